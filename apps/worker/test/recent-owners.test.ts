// When an owner other than a given one last asked a worker thread for a slot (src/isolation/
// recent-owners.ts): two entries are enough for any owner's question.
import { RecentOwners } from "../src/isolation/recent-owners.js";

describe("recent owners", () => {
  it("says when someone else last asked, whoever asked last", () => {
    const recent = new RecentOwners();
    expect(recent.lastOtherAt("alice")).toBeUndefined();
    recent.asked("alice", 1);
    expect(recent.lastOtherAt("alice")).toBeUndefined();
    expect(recent.lastOtherAt("bob")).toBe(1);
    recent.asked("bob", 2);
    recent.asked("alice", 3);
    recent.asked("alice", 4);
    expect(recent.lastOtherAt("alice")).toBe(2);
    expect(recent.lastOtherAt("bob")).toBe(4);
    recent.asked("carol", 5);
    expect(recent.lastOtherAt("alice")).toBe(5);
    expect(recent.lastOtherAt("carol")).toBe(4);
  });
});
