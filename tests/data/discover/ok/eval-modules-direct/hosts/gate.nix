{ atelier, dataRoot, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "caddy";
      extraConfig = cfg: {
        atelier.services.caddy.data.files = [ "${dataRoot}/caddy" ];
      };
    })
  ];
  atelier.services.caddy.enable = true;
}
