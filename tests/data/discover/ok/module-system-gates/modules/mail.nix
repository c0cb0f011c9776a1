# Priorities: mkDefault loses to a plain host definition, mkForce wins over
# it, mkOverride 900 beats mkDefault; mkOptionDefault loses to everything.
{ config, lib, ... }:
let
  cfg = config.atelier.services.mail;
in
{
  options.atelier.services.mail = {
    enable = lib.mkEnableOption "mail";
    dataDir = lib.mkOption { default = "/var/lib/mail"; };
    spool = lib.mkOption { default = "/var/spool/mail"; };
    data = lib.mkOption {
      type = lib.types.submodule ./data-type.nix;
      default = { };
    };
  };
  config = lib.mkMerge [
    {
      site.root = lib.mkDefault "/srv/default-root";
      atelier.services.mail.dataDir = lib.mkForce "/srv/mail";
      atelier.services.mail.spool = lib.mkOptionDefault "/var/spool/unused";
    }
    (lib.mkIf (cfg.enable && config.site.enable) {
      atelier.services.mail.data.files = [ cfg.dataDir cfg.spool ];
    })
  ];
}
