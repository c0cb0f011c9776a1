{ atelier, dataRoot, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "vaultwarden";
      extraConfig = cfg: {
        atelier.services.vaultwarden.data.files = [ "${dataRoot}/vaultwarden" ];
      };
    })
  ];
  atelier.services.vaultwarden.enable = true;
}
