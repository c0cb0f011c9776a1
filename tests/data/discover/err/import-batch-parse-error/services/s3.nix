{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "s3";
      extraConfig = cfg: {
        atelier.services.s3.data.files = [ "${cfg.dataDir}/files" ];
      };
    })
  ];
  atelier.services.s3.enable = true;
}
