# The cross-check of DESIGN.md §3: what atelier-gen resolved statically
# (atelier.generated.services, from generated/<host>.nix) must equal what Nix
# evaluated. The manifest and units come from the generated file, so a stale
# one would back up the wrong paths, or nothing; the rebuild stops instead.
{ config, lib, ... }:

let
  cfg = config.atelier.backup;
  gen = config.atelier.generated;

  host = if gen.host != null then gen.host else config.networking.hostName or "<host>";

  enabledServices = lib.filterAttrs (_: s: s.enable or false) (config.atelier.services or { });

  sorted = lib.sort (a: b: a < b);

  # Normalized so that list order (which does not change what is backed up)
  # never counts as staleness.
  dataView = d: {
    sqlite = sorted d.sqlite;
    postgres = sorted (map (db: db.name) d.postgres);
    files = sorted d.files;
  };

  hasData = d: d.sqlite != [ ] || d.postgres != [ ] || d.files != [ ] || d.dumps != { };

  evaluated =
    lib.mapAttrs (_: s: dataView s.data) (lib.filterAttrs (_: s: hasData s.data) enabledServices)
    // lib.mapAttrs (_: m: {
      sqlite = [ ];
      postgres = [ ];
      files = sorted m.paths;
    }) cfg.services;

  generated = lib.mapAttrs (_: g: {
    sqlite = sorted g.sqlite;
    postgres = sorted g.postgres;
    files = sorted g.files;
  }) gen.services;

  empty = {
    sqlite = [ ];
    postgres = [ ];
    files = [ ];
  };

  show = l: "[ ${lib.concatMapStringsSep " " builtins.toJSON l} ]";

  differences =
    lib.concatMap (
      name:
      let
        e = evaluated.${name} or null;
        g = generated.${name} or null;
      in
      if e != null && g == null then
        [ "service \"${name}\" declares data but is not in the generated module" ]
      else
        lib.concatMap (
          kind:
          let
            ev = (if e == null then empty else e).${kind};
            gv = g.${kind};
          in
          lib.optional (ev != gv) "service \"${name}\" ${kind}: Nix evaluates ${show ev}, the generated module has ${show gv}"
        ) [
          "sqlite"
          "postgres"
          "files"
        ]
    ) (lib.attrNames (evaluated // generated));

  collisions = lib.attrNames (lib.intersectAttrs cfg.services enabledServices);
in
{
  config = lib.mkMerge [
    (lib.mkIf cfg.enable {
      assertions = [
        {
          assertion = differences == [ ];
          message = ''
            atelier: generated module for host ${host} is stale or missing: run `atelier-gen generate` and commit generated/${host}.nix (and import it in nixosConfigurations.${host}).
            ${lib.concatMapStringsSep "\n" (d: "  - ${d}") differences}'';
        }
      ]
      ++ map (n: {
        assertion = false;
        message = "atelier: \"${n}\" is both an mkService service (atelier.services.${n}) and a manual registration (atelier.backup.services.${n}); snapshots are tagged service:<name>, so the names must differ. Rename or drop one.";
      }) collisions;
    })
    (lib.mkIf (!cfg.enable && lib.any hasData (lib.catAttrs "data" (lib.attrValues enabledServices))) {
      warnings = [
        "atelier: services ${
          lib.concatStringsSep ", " (lib.attrNames (lib.filterAttrs (_: s: hasData s.data) enabledServices))
        } declare data, but atelier.backup.enable is false: nothing is backed up."
      ];
    })
  ];
}
