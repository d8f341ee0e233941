// An Account row as the eNZi account object, and an organization membership: times as Go prints them.
import type { Account } from "@msr-webhooks/db/client";
import { formatGoTime } from "@msr-webhooks/events/go-time";
import type { AccountView, OrgMembershipView } from "../schemas/account.schemas.js";

export function presentAccount(a: Account): AccountView {
  return {
    id: a.id,
    name: a.name,
    fullName: a.fullName,
    isOrg: a.isOrg,
    isAdmin: a.isAdmin,
    isActive: a.isActive,
    createdAt: formatGoTime(a.createdAt),
  };
}

export function presentOrgMembership(user: Account, isOwner: boolean): OrgMembershipView {
  return { member: presentAccount(user), isAdmin: isOwner, isOwner };
}
