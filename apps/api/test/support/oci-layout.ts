// Builds a one-layer OCI image layout on disk (what `skopeo copy oci:DIR:TAG` reads): a gzipped
// tar layer, an image configuration with the platform asked for, the manifest, index.json.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";

export interface OciImage {
  dir: string;
  tag: string;
  /** Digest of the manifest bytes: what the registry reports for the pushed image. */
  manifestDigest: string;
  configDigest: string;
}

const sha256 = (b: Buffer): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

// A ustar archive holding one regular file (enough for a layer).
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (value: string, offset: number) => header.write(value, offset, "ascii");
  field(name, 0);
  field("0000644\0", 100);
  field("0000000\0", 108);
  field("0000000\0", 116);
  field(`${content.length.toString(8).padStart(11, "0")}\0`, 124);
  field("00000000000\0", 136);
  field("        ", 148);
  field("0", 156);
  field("ustar\0", 257);
  field("00", 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  field(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

export async function writeOciImage(
  dir: string,
  tag: string,
  platform: { os: string; architecture: string },
): Promise<OciImage> {
  const blobs = path.join(dir, "blobs", "sha256");
  await mkdir(blobs, { recursive: true });
  const put = async (b: Buffer): Promise<string> => {
    const digest = sha256(b);
    await writeFile(path.join(blobs, digest.slice("sha256:".length)), b);
    return digest;
  };
  const tar = tarOf("hello.txt", Buffer.from(`hello from ${dir}\n`));
  const layer = gzipSync(tar);
  const layerDigest = await put(layer);
  const config = Buffer.from(
    JSON.stringify({ ...platform, config: {}, rootfs: { type: "layers", diff_ids: [sha256(tar)] } }),
  );
  const configDigest = await put(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layerDigest, size: layer.length }],
    }),
  );
  const manifestDigest = await put(manifest);
  await writeFile(
    path.join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: manifestDigest,
          size: manifest.length,
          annotations: { "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
  await writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  return { dir, tag, manifestDigest, configDigest };
}
