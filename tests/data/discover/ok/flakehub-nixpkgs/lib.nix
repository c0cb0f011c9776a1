{ inputs, outputs }:
{
  mkHost = { hostname }: outputs.lib.nixosSystem {
    specialArgs = { inherit inputs; };
    modules = [ ./hosts/${hostname}.nix { networking.hostName = hostname; } ];
  };
}
