{ atelier, name, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "metrics";
      extraConfig = cfg: { atelier.services.metrics.data.files = [ "${cfg.dataDir}/tsdb" ]; };
    })
  ];
  atelier.services.metrics.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic/${name}";
      passwordFile = "/run/keys/restic";
    };
  };
}
