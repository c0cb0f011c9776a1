# lib as users extend it: `nixpkgs.lib.extend`, `nixpkgs.lib // home-manager.lib`
# then `lib.nixosSystem`, `lib.attrsets.mergeAttrsList`, `makeExtensible`,
# and a helper of the extended lib that lists a directory for `imports`.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    home-manager.url = "github:nix-community/home-manager";
    home-manager.inputs.nixpkgs.follows = "nixpkgs";
    atelier.url = "path:../../../../..";
  };
  outputs = { self, nixpkgs, home-manager, atelier, ... }:
    let
      lib = (nixpkgs.lib // home-manager.lib).extend (final: prev: {
        my = import ./lib { lib = final; };
      });
      settings = lib.makeExtensible (s: { repo = "/srv/restic"; password = "/run/keys/${s.name}"; name = "restic"; });
      mkHost = name: {
        ${name} = lib.nixosSystem {
          specialArgs = { inherit lib atelier; settings = settings.extend (f: p: { name = "restic-${name}"; }); };
          modules = [ atelier.nixosModules.default ./hosts/${name}.nix ];
        };
      };
    in
    {
      nixosConfigurations = lib.attrsets.mergeAttrsList (map mkHost [ "one" "two" ]);
    };
}
