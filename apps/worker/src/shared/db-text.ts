// The worker's NUL and surrogate scrubbing is the db package's (one rule for both apps).
export { pgJson, pgText } from "@msr-webhooks/db/db-text";
