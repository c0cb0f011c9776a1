# The "dendritic" layout: every file under ./modules is a flake-parts
# module, found by import-tree; paths with a segment starting with `_` are
# skipped. A host imports a second tree of NixOS modules the same way.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    import-tree.url = "github:vic/import-tree";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);
}
