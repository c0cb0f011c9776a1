# A host table the flake filters by each machine's evaluated `config`
# (`filterAttrs (_: m: m.config.my.role == "server")` over `nixosSystem`
# results), machine modules written by several flake modules (a
# `deferredModule` option of the flake's own), and a NixOS module made with
# flake-parts' `moduleWithSystem`.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    import-tree.url = "github:vic/import-tree";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./parts);
}
