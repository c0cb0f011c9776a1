{ inputs, hostname, ... }:
{
  imports = [
    (inputs.atelier.lib.mkService {
      name = "wiki";
      extraConfig = cfg: { atelier.services.wiki.data.files = [ "${cfg.dataDir}/pages" ]; };
    })
  ];
  atelier.services.wiki.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic/${hostname}";
      passwordFile = "/run/keys/restic";
    };
  };
}
