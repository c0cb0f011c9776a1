# Modules named by store-path strings (`"${./.}/mods/x.nix"`), found with
# readDir/pathExists of such strings and handed to the host through
# specialArgs, as ez-configs does: each is the flake's own file. The
# specialArgs are `<a set only known on the host> // { ... }`: the names
# added are known all the same.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = { nixpkgs, atelier, ... }:
    let
      inherit (nixpkgs) lib;
      dir = "${./.}/mods";
      mods = lib.concatMapAttrs
        (entry: type:
          if type == "regular" && lib.hasSuffix ".nix" entry
          then { ${lib.removeSuffix ".nix" entry} = "${dir}/${entry}"; }
          else { })
        (if builtins.pathExists dir then builtins.readDir dir else { });
    in
    {
      nixosConfigurations.box = nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        specialArgs = lib.optionalAttrs (lib.versionAtLeast builtins.nixVersion "2.20") { newNix = true; }
          // { inherit atelier mods; };
        modules = [ "${./.}/host.nix" ];
      };
    };
}
