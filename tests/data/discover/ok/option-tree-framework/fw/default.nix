inputs: src: root:
let
  inherit (inputs.nixpkgs) lib;
  types = rec {
    function = lib.mkOptionType {
      name = "function";
      check = lib.isFunction;
      merge = lib.options.mergeOneOption;
    };
    nullable = elemType: lib.mkOptionType {
      name = "nullable";
      check = x: x == null || elemType.check x;
      merge = loc: defs:
        if lib.all (d: d.value == null) defs then null
        else elemType.merge loc (lib.filter (d: d.value != null) defs);
      nestedTypes = { inherit elemType; };
    };
    optCallWith = args: elemType: lib.types.coercedTo function (x: x args) elemType;
    optFunctionTo = elemType: lib.types.coercedTo
      (lib.mkOptionType { name = "nonFunction"; check = x: !lib.isFunction x && elemType.check x; merge = lib.mergeOneOption; })
      (x: _: x)
      (lib.types.functionTo elemType);
  };
  result = lib.evalModules {
    modules = [ ./dirs.nix ./hosts.nix ./shell.nix root ];
    specialArgs = { inherit src types; };
  };
in
result.config.outputs
