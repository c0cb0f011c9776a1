# atelier's lib as `lib.atelier` (the input's `lib`, by its name).
{ lib, ... }:
{
  imports = [
    (lib.atelier.mkService {
      name = "radio";
      extraConfig = cfg: {
        atelier.services.radio.data.files = [ (lib.mine.dataOf "Radio") ];
      };
    })
  ];
  atelier.services.radio.enable = true;
}
