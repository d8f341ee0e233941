// The registry could not answer what we asked (unreachable, refused, or not an image).
export class RegistryError extends Error {
  override name = "RegistryError";
}
