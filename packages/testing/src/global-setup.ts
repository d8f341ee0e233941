// Jest globalSetup for every package whose suites use a database: builds the migrated template
// once, before any suite and outside every test's hook (each suite then only copies it).
import { ensureTemplate } from "./database.js";

export default async function globalSetup(): Promise<void> {
  await ensureTemplate();
}
