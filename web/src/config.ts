import type { ResourcesConfig } from "aws-amplify";

/** The stack's Amplify configuration, served next to the page (never bundled into it). */
export async function loadConfig(): Promise<ResourcesConfig> {
  const response = await fetch("/config.json", { cache: "no-store", credentials: "same-origin" });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return (await response.json()) as ResourcesConfig;
}
