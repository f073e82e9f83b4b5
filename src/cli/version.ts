/**
 * igmpkit's version, from one place: package.json. The build (tsup `define`) writes it into dist as a
 * constant; run from src (tests, tsx) it is read from package.json two folders up.
 */
import { createRequire } from "node:module";

declare const __IGMPKIT_VERSION__: string | undefined;

function fromPackageJson(): string {
  try {
    return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

/** The package's version ("0.1.0"): `--version` and SARIF's `tool.driver.version`. */
export const VERSION: string = typeof __IGMPKIT_VERSION__ === "string" ? __IGMPKIT_VERSION__ : fromPackageJson();
