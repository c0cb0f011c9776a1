# `services.nginx.enable` is declared only by nixpkgs: only Nix knows it.
# That is an error where an enabled service's data depends on it, and only
# there (not for the disabled service, not for users.users).
{ atelier, config, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: lib.mkMerge [
        { atelier.services.app.data.files = [ "${cfg.dataDir}/files" ]; }
        (lib.mkIf config.services.nginx.enable {
          atelier.services.app.data.files = [ "${cfg.dataDir}/www" ];
        })
      ];
    })
    (atelier.lib.mkService {
      name = "idle";
      extraConfig = cfg: lib.mkIf config.services.nginx.enable {
        atelier.services.idle.data.files = [ "${config.services.nginx.root}/idle" ];
      };
    })
  ];
  atelier.services.app.enable = true;
  users.users.app.home = lib.mkIf config.services.nginx.enable "/srv/www";
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
