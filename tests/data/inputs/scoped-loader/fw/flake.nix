# A framework of the flake's author (as TahlonBrahic's kosei, on eris, a
# haumea fork): its lib functions are files of its own source, loaded with
# `scopedImport` (haumea's `scoped` loader). tests/gen_inputs.rs gives this
# directory with `--override-input fw`.
{
  outputs = { self, ... }: {
    lib = builtins.mapAttrs
      (name: _: scopedImport { fwName = "fw"; } (./lib + "/${name}"))
      (builtins.readDir ./lib);
  };
}
