{ lib, ... }:
{
  machines.alpha = {
    schedule = lib.mkDefault "01:00";
    exclude = lib.mkForce [ "cache/*" ];
  };
}
