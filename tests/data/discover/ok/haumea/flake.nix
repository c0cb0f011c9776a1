# haumea: a directory of host files loaded as a set (`_` files left out),
# each called with the inputs it asks for (each looked up only when used),
# then merged.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    haumea.url = "github:nix-community/haumea/v0.2.2";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    let
      inherit (inputs.nixpkgs) lib;
      hosts = inputs.haumea.lib.load {
        src = ./hosts;
        inputs = { inherit inputs lib; };
      };
    in
    {
      nixosConfigurations = lib.mergeAttrsList (builtins.attrValues hosts.servers);
    };
}
