# Every option but a few is filled from `nix/<option>` when it exists.
{ config, options, src, lib, ... }:
let
  fill = type: name:
    let dir = src + "/nix/${name}"; in
    if builtins.pathExists dir then
      let
        entries = lib.mapAttrs (n: _: import (dir + "/${n}")) (builtins.readDir dir);
      in
      if type.check entries then [ entries ]
      else if type.check (lib.attrValues entries) then [ (lib.attrValues entries) ]
      else [ entries ]
    else [ ];
in
{
  options.outputs = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; default = { }; };
  options.inputs = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; default = { }; };
  config = lib.genAttrs (lib.subtractLists [ "_module" "outputs" "inputs" ] (builtins.attrNames options))
    (name:
      let opt = options.${name}; in
      lib.mkMerge (if opt.internal or false then [ ] else fill opt.type name));
}
