{ inputs, ... }:
{
  imports = [
    (inputs.atelier.lib.mkService {
      name = "inventory";
      extraConfig = cfg: { atelier.services.inventory.data.files = [ "${cfg.dataDir}/uploads" ]; };
    })
  ];
  atelier.services.inventory.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic/depot";
      passwordFile = "/run/keys/restic";
    };
  };
}
