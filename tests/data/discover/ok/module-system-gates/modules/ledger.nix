# Enabled by default (the host says nothing); the path comes from
# `_module.args` and from a specialArg, and `or` falls back only where the
# option does not exist.
{ config, lib, ledgerRoot, site, ... }:
let
  cfg = config.atelier.services.ledger;
in
{
  options.atelier.services.ledger = {
    enable = lib.mkOption {
      type = lib.types.bool;
      default = true;
    };
    dataDir = lib.mkOption {
      type = lib.types.str;
      default = "${ledgerRoot}/${site}";
    };
    data = lib.mkOption {
      type = lib.types.submodule ./data-type.nix;
      default = { };
    };
  };

  config = lib.mkIf cfg.enable {
    _module.args.ledgerRoot = "/srv/ledger";
    atelier.services.ledger.data = {
      files = [ (cfg.dataDir or "/nowhere") ];
      exclude = [ "${cfg.archiveDir or "archive"}/*" ];
    };
  };
}
