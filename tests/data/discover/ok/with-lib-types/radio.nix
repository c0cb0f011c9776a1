{ config, lib, atelier, ... }:
with lib;
let
  cfg = config.my.radio;
in
{
  imports = [
    (atelier.lib.mkService {
      name = "radio";
      extraConfig = c: {
        atelier.services.radio.data.files = [ "${c.dataDir}/${cfg.library}" ];
      };
    })
  ];
  options.my.radio = with types; {
    enable = mkEnableOption "the radio";
    library = mkOption {
      type = str;
      default = "library";
    };
  };
  options.my.backup = with lib.types; {
    repository = mkOption { type = nullOr str; default = null; };
  };
  config = mkIf cfg.enable {
    atelier.services.radio.enable = true;
    atelier.backup = {
      enable = true;
      repositories.default = {
        repository = config.my.backup.repository;
        passwordFile = "/run/keys/restic";
      };
    };
  };
}
