{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "ledger";
      extraConfig = cfg: {
        atelier.services.ledger.data.files = [ "${cfg.dataDir}/ledger" ];
      };
    })
  ];
}
