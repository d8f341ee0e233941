// Who is calling: the authenticated account and how it proved itself.

export interface Principal {
  id: string;
  name: string;
  isAdmin: boolean;
  /** "password", or "token" with the token's id and role. */
  via: "password" | "token";
  tokenId: string | null;
  tokenRole: "user" | "producer" | null;
}
