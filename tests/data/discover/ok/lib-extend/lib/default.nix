{ lib }:
{
  # Every .nix file of a directory but default.nix.
  filesIn = dir:
    lib.mapAttrsToList (name: _: dir + "/${name}")
      (lib.filterAttrs (name: kind: kind == "regular" && name != "default.nix" && lib.hasSuffix ".nix" name)
        (builtins.readDir dir));
}
