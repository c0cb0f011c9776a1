{ lib }:
let
  inherit (builtins) attrNames attrValues elem mapAttrs readDir zipAttrsWith tail head all isList isAttrs concatLists last;
  inherit (lib) filterAttrs;
  mapFilterAttrs = f: pred: attrs: filterAttrs pred (mapAttrs f attrs);
  # Unlike //, merges deeply (left wins).
  mergeAttrs' = attrList:
    let f = attrPath:
          zipAttrsWith (n: values:
            if (tail values) == [ ]
            then head values
            else if all isList values
            then concatLists values
            else if all isAttrs values
            then f (attrPath ++ [ n ]) values
            else last values);
    in f [ ] attrList;
in
{
  mapHosts = dir: mapAttrs (name: _: { path = dir + "/${name}"; })
    (filterAttrs (_: type: type == "directory") (readDir dir));

  mkFlake = { self, nixpkgs, pkgs-src, ... } @ inputs: { systems, hosts ? { }, packages ? { }, apps ? { }, ... } @ flake:
    let
      nixosConfigurations = mapAttrs (hostName: { path }:
        nixpkgs.lib.nixosSystem {
          system = "x86_64-linux";
          specialArgs = { inherit inputs; };
          modules = [ { networking.hostName = hostName; } path ];
        }) hosts;
      perSystem = map (system:
        let
          pkgs = pkgs-src.legacyPackages.${system};
          withPkgs = packageAttrs:
            mapFilterAttrs
              (_: v: pkgs.callPackage v { })
              (_: v: !(v ? meta.platforms) || (elem system v.meta.platforms))
              packageAttrs;
        in
        filterAttrs (_: v: v.${system} != { }) {
          apps.${system} = apps;
          checks.${system} = withPkgs packages;
          packages.${system} = withPkgs packages;
        }) systems;
    in
    (filterAttrs (n: _: !elem n [ "apps" "hosts" "packages" "systems" ]) flake)
    // { inherit nixosConfigurations; }
    // (mergeAttrs' perSystem);
}
