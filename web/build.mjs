// Copies the player's third-party script from node_modules into the gateway's web root, so the site serves it
// itself (no CDN). Run by `npm run build` here, and by MmsGateway.csproj when the copy is missing.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const wwwroot = join(here, "..", "src", "MmsGateway", "wwwroot");
const pkg = JSON.parse(readFileSync(join(here, "node_modules", "hls.js", "package.json"), "utf8"));

mkdirSync(wwwroot, { recursive: true });
copyFileSync(join(here, "node_modules", "hls.js", "dist", "hls.min.js"), join(wwwroot, "hls.min.js"));
copyFileSync(join(here, "node_modules", "hls.js", "LICENSE"), join(wwwroot, "hls.js.LICENSE.txt"));
writeFileSync(join(wwwroot, "hls.version.txt"), `hls.js ${pkg.version}\n`);
console.log(`copied hls.js ${pkg.version} into ${wwwroot}`);
