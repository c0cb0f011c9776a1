{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "s4";
      extraConfig = cfg: {
        atelier.services.s4.data.files = [ "${cfg.dataDir}/files" ;
      };
    })
  ];
  atelier.services.s4.enable = = true;
}
