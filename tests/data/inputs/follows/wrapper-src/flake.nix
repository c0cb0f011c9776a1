# A host builder of a flake framework: its `nixpkgs` and `site` inputs are
# whatever the flake that uses it makes them follow.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  inputs.site.url = "github:example/site";
  outputs = { self, nixpkgs, site }: {
    lib.mkHost = args: nixpkgs.lib.nixosSystem (args // {
      specialArgs = args.specialArgs // {
        release = nixpkgs.lib.trivial.release;
        inherit (site.settings) dataDir;
      };
    });
  };
}
