// The secrets a delivery is signed with: the current one, and during a rotation the previous one too.

export interface WebhookSecrets {
  signingSecret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
}

export function signingSecrets(w: WebhookSecrets, now: Date): string[] {
  const previousValid =
    w.previousSecret !== null && w.previousSecret !== "" && w.previousSecretUntil !== null && w.previousSecretUntil > now;
  return previousValid ? [w.signingSecret, w.previousSecret as string] : [w.signingSecret];
}
