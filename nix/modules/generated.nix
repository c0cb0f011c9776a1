# atelier.generated: the static view that atelier-gen wrote into
# generated/<host>.nix. consistency.nix compares it with what Nix evaluated.
{ lib, ... }:

let
  inherit (lib) mkOption types;

  staticService = types.submodule {
    options = {
      sqlite = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "SQLite files atelier-gen resolved for this service.";
      };
      postgres = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "Names of the PostgreSQL databases atelier-gen resolved.";
      };
      files = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "Files and directories atelier-gen resolved (a manual registration's `paths`).";
      };
    };
  };
in
{
  options.atelier.generated = {
    host = mkOption {
      type = types.nullOr types.str;
      default = null;
      internal = true;
      description = "Host the generated module was written for; null = no generated module is imported.";
    };
    generator = mkOption {
      type = types.nullOr types.str;
      default = null;
      internal = true;
      description = "Name and version of the atelier-gen that wrote the generated module.";
    };
    services = mkOption {
      type = types.attrsOf staticService;
      default = { };
      internal = true;
      description = "Per service, the data paths and databases atelier-gen resolved statically.";
    };
  };
}
