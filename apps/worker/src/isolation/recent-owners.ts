// Which owners asked a worker thread for a delivery slot lately, as much as OwnerSlots needs to know
// whether an owner is alone there: when an owner other than a given one last asked. Two entries
// (the latest asker, and the latest before it that was someone else), so nothing grows.

interface Ask {
  owner: string;
  at: number;
}

export class RecentOwners {
  private latest: Ask | undefined;
  /** The latest ask by an owner other than latest's. */
  private previous: Ask | undefined;

  /** `owner` asked for a slot at `at`. */
  asked(owner: string, at: number): void {
    if (this.latest?.owner === owner) {
      this.latest.at = at;
      return;
    }
    this.previous = this.latest;
    this.latest = { owner, at };
  }

  /** When an owner other than `owner` last asked, if one did. */
  lastOtherAt(owner: string): number | undefined {
    return this.latest?.owner === owner ? this.previous?.at : this.latest?.at;
  }
}
