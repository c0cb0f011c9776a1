{ atelier, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "radio";
      extraConfig = cfg: {
        atelier.services.radio.data.files = [ (lib.home.stateOf "radio") ];
      };
    })
  ];
}
