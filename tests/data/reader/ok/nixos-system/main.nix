# lib.nixosSystem returns a marker that records its modules.
{ lib, ... }:
{
  nixosConfigurations.terebithia = lib.nixosSystem {
    system = "x86_64-linux";
    modules = [ { networking.hostName = "terebithia"; } (lib.mkIf true { services.x.enable = true; }) ];
  };
}
