/** What a loaded, checked config is: plain data plus lazy loaders for plugin and provider modules. */
import type { Location } from "../diagnostic.js";
import type { Plugin } from "../plugin.js";
import type { ProviderType } from "../provider.js";
import type { RemoteCacheSettings } from "../remote/settings.js";
import type { Locations } from "./locations.js";

/** A plugin known by name and version; its module is imported only when the stage runs. */
export interface PluginRef {
  name: string;
  version: string;
  /** `Plugin.provenance`: its output names every stage's plugin@version, so they key it. */
  provenance?: boolean;
  load(): Promise<Plugin>;
}

/** A provider type known by name and version; its module is imported on first use. */
export interface ProviderTypeRef {
  version: string;
  load(): Promise<ProviderType>;
}

export interface StageConfig {
  name: string;
  uses: string;
  plugin: PluginRef;
  /** Absolute path of a project-local plugin. */
  pluginFile?: string;
  needs: string[];
  /** Interpolated, validated, defaults filled, secrets included: what the plugin gets as `ctx.with`. */
  with: Record<string, unknown>;
  /** What the stage key depends on: `with` without its `dpo: secret` and `dpo: tuning` entries. */
  keyed: Record<string, unknown>;
  /** Project-relative posix paths of every `dpo: "file"` ref, sorted, unique; a pattern's matches are listed one by one. */
  files: string[];
  /** The glob patterns among the `dpo: "file"` refs, sorted: a file that comes to match one (or stops) makes the config stale. */
  patterns?: string[];
  /** Project-relative paths of the files the plugin's `checkFiles` read when the config was loaded: their contents key the compiled config. */
  checkedFiles?: string[];
  /**
   * Variables named by `dpo: "env"` refs → their values when the config was
   * loaded (null: unset), sorted by name; absent when there are none. Values
   * under secret-looking names are in `ProjectConfig.secrets` too.
   */
  env?: Record<string, string | null>;
  /** Names from `dpo: "provider"` refs, sorted, unique. */
  providers: string[];
  /** The stage's key in the config. */
  location: Location;
}

export interface ProviderConfig {
  name: string;
  type: string;
  providerType: ProviderTypeRef;
  /** Validated, with secrets. */
  config: Record<string, unknown>;
  /** What the provider's output depends on: `{type, version, config}` without secret and tuning fields. */
  identity: Record<string, unknown>;
}

export interface ProjectConfig {
  root: string;
  /** Project-relative path of the config file. */
  file: string;
  /** The config file's text. */
  source: string;
  version: number;
  project: string;
  seed: number;
  providers: Record<string, ProviderConfig>;
  stages: Record<string, StageConfig>;
  /** Topological; ties in config order. */
  order: string[];
  /** The `remoteCache:` setting, if any (before `DPO_REMOTE_CACHE` / `--remote-cache` overrides). */
  remoteCache?: RemoteCacheSettings;
  /** Non-empty values of secret fields (of providers, stages and the remote cache's headers), for redaction. */
  secrets: string[];
  /** Where each node under `stages` and `providers` is in the config file, for located run-time errors. */
  locations: Locations;
}
