{ inputs, ... }:
{
  imports = [
    (inputs.atelier.lib.mkService {
      name = "ledger";
      extraConfig = cfg: { atelier.services.ledger.data.sqlite = "${cfg.dataDir}/ledger.db"; };
    })
  ];
  atelier.services.ledger.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic/cellar";
      passwordFile = "/run/keys/restic";
    };
  };
}
