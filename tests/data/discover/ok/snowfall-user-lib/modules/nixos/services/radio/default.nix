{ atelier, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "radio";
      extraConfig = cfg: {
        atelier.services.radio.data.files = [ (lib.internal.paths.dataOf "Radio") ];
      };
    })
  ];
}
