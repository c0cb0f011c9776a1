{ inputs, lib, pkgs, ... }:
let
  inherit (inputs.atelier.lib) mkService;
  dbName = "shop";
in
{
  imports = [
    (mkService {
      name = "shop";
      extraOptions = {
        port = lib.mkOption { default = 8080; };
        mediaDir = lib.mkOption { default = "media"; };
      };
      extraConfig = cfg: {
        systemd.services.shop.serviceConfig.ExecStart = "${pkgs.shop}/bin/shop --port ${toString cfg.port}";
        atelier.services.shop.data = lib.mkMerge [
          {
            postgres = { name = dbName; create.OWNER = cfg.user; };
            files = [ "${cfg.dataDir}/${cfg.mediaDir}" ];
          }
          (lib.mkIf (cfg.port == 8080) { exclude = [ "cache" ]; })
        ];
      };
    })
  ];
}
