{ atelier, config, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      # A set pattern gets cfg, config, lib and pkgs.
      extraConfig = { cfg, config, lib, ... }: {
        atelier.services.app.data.sqlite = "${cfg.dataDir}/app.db";
        # One service enables another.
        atelier.services.worker.enable = true;
      };
    })
    (atelier.lib.mkService {
      name = "worker";
      extraConfig = w: {
        atelier.services.worker.data.files = [ "${w.dataDir}/queue" ];
        # The data options have their defaults (exclude = [ ]).
        atelier.services.worker.data.tags = [ "excludes-${toString (builtins.length w.data.exclude)}" ];
      };
    })
    (atelier.lib.mkService {
      name = "uploads";
      extraOptions.keepUploads = lib.mkOption { default = false; };
      extraConfig = cfg: lib.mkMerge [
        { atelier.services.uploads.data.files = [ "${cfg.dataDir}/db" ]; }
        (lib.mkIf cfg.keepUploads {
          atelier.services.uploads.data.files = [ "${cfg.dataDir}/uploads" ];
        })
        (lib.mkIf (!config.atelier.backup.enable) {
          atelier.services.uploads.data.files = [ "/never" ];
        })
      ];
    })
  ];
}
