# A flake as Nix builds it, and built-in knowledge of the flake frameworks
# that build `nixosConfigurations`, for when their sources are not at hand.
# Evaluated by atelier's own evaluator; `flake.rs` applies it to `prim`
# (helpers written in Rust) and atelier's `lib`.
#
# Only what finding hosts needs is modelled: flake-parts' `flake` option
# (a submodule) with `imports`, `_module.args`, `importApply`, `withSystem`
# and `flakeModules.partitions` (`perSystem` is ignored: it never holds a
# NixOS host), and import-tree's
# documented semantics (every `.nix` file under the paths, skipping paths
# with a segment starting with `_`).
prim: lib0:
let
  b = builtins;
  inherit (prim) isKnown unknown;

  # atelier's lib for the flake: a `nixosSystem` result's `config` is what
  # atelier's module system makes of its modules (so a host table that
  # keeps the hosts whose `config.x` is some value is followed).
  # `hostConfig null args` gives the modules atelier's built-in lib.
  lib = lib0.extend (final: prev: {
    nixosSystem = args: prev.nixosSystem args // {
      config = prim.hostConfig null args;
      extendModules = ext: final.nixosSystem (extendSystem args ext);
    };
  });

  # A host's `extendModules { modules; specialArgs; }` (nixpkgs'
  # eval-config.nix passes evalModules' through): the same call with the
  # modules added and the special arguments updated.
  extendSystem = args: ext: args // {
    modules = (args.modules or [ ]) ++ (ext.modules or [ ]);
    specialArgs = (args.specialArgs or { }) // (ext.specialArgs or { });
  };

  # The flake's `self`: its outputs, with what Nix adds to them
  # (`lastModified`, `narHash`, ... stay unknown).
  mkSelf = { outputs, inputs, outPath }:
    let
      inputsWithSelf = inputs // { self = result; };
      out = outputs inputsWithSelf;
      result = out // {
        inherit outPath;
        inputs = inputsWithSelf;
        outputs = out;
        sourceInfo = { inherit outPath; };
        _type = "flake";
        lastModified = unknown "self.lastModified" "the time of the flake's last change is only known to Nix";
        lastModifiedDate = unknown "self.lastModifiedDate" "the time of the flake's last change is only known to Nix";
        narHash = unknown "self.narHash" "the flake's hash is only known once Nix copies it to the store";
      };
    in
    result;

  # The definitions a module-system value stands for (`mkIf`, `mkMerge`,
  # `mkOverride`, `mkOrder` unwrapped), each with its priority
  # (`{ prio; value; }`; `prio` for one no `mkOverride` wraps). An unknown
  # `mkIf` condition keeps its content: a host that may exist is reported
  # rather than hidden.
  prioDefs = prio: v:
    if !(isKnown v) then [ { inherit prio; value = v; } ]
    else if b.isAttrs v && prim.hasKnownAttr "_type" v then
      (if v._type == "merge" then b.concatMap (prioDefs prio) v.contents
       else if v._type == "if" then
         (if !(isKnown v.condition) || v.condition then prioDefs prio v.content else [ ])
       else if v._type == "override" then
         prioDefs (if isKnown v.priority && b.isInt v.priority then v.priority else prio) v.content
       # The innermost `mkOrder` is the definition's order (nixpkgs'
       # `sortProperties` strips them outside in); 1000 when none.
       else if v._type == "order" then map (d: d // { order = d.order or v.priority; }) (prioDefs prio v.content)
       else [ { inherit prio; value = v; } ])
    else [ { inherit prio; value = v; } ];

  # Definitions as `sortProperties` orders them: by `mkOrder` (`mkBefore`
  # 500, none 1000, `mkAfter` 1500), stably.
  byOrder = b.sort (x: y: (x.order or 1000) < (y.order or 1000));

  # The modules' definitions in the order the module system merges them:
  # the modules in reverse of the order they were collected in, each
  # module's own in order (`[ "c" "b" "a1" "a2" ]` for `listOf`).
  moduleDefs = f: modules: b.concatMap f (lib.reverseList modules);

  # The definitions alone.
  defsOf = v: map (d: d.value) (prioDefs 100 v);

  # The values of the definitions of highest priority (lowest number), as
  # the module system keeps them (`mkForce` over plain over `mkDefault`).
  highest = ds:
    let top = b.foldl' (p: d: if d.prio < p then d.prio else p) 9999 ds; in
    map (d: d.value) (b.filter (d: d.prio == top) ds);

  isPlainSet = d: b.isAttrs d && !(prim.hasKnownAttr "_type" d);

  # Definitions (`{ prio; value; }`) merged as the module system merges
  # them, by their shape. At an option (`isOption path`, and every level
  # below one: its type's attributes, a submodule's options) only the
  # definitions of the highest priority (the lowest number: `mkForce` 50,
  # plain 100, `mkDefault` 1000, an option's default 1500) are kept, and
  # each attribute of theirs has its own definitions again; above options
  # (a namespace) a definition's priority goes down to its attributes, as
  # `mkOverride` is pushed down to the options it holds.
  # Merged as `lazyAttrsOf raw`: attribute by attribute, the last scalar
  # winning. An unknown definition stays unknown when it is the only one
  # (so a host table only Nix knows is reported, not taken for an empty
  # one); next to known ones, those are used.
  mergeTree = isOption: below: path: pdefs:
    let
      known0 = b.filter (d: isKnown d.value) pdefs;
      option = below || isOption path;
      best = b.foldl' (m: d: if d.prio < m then d.prio else m) (b.head known0).prio known0;
      known = if option then b.filter (d: d.prio == best) known0 else known0;
      values = map (d: d.value) known;
      # An attribute's definitions: its own priority below an option, the
      # definition's above one.
      at = n: d: prioDefs (if option then 100 else d.prio) d.value.${n};
      sub = n: mergeTree isOption option (path ++ [ n ]);
    in
    if b.length pdefs == 0 then { }
    else if b.length known0 == 0 then (b.head pdefs).value
    # One plain set: its attributes' `mkIf`/`mkDefault`/... unwrapped too,
    # as when several are merged (`config.pick = mkDefault inputs.nixpkgs`
    # in a flake's only module is that input, not the `mkDefault`).
    else if b.length known == 1 then
      (let d = b.head known; in
       if isPlainSet d.value && !(prim.hasKnownAttr "outPath" d.value)
         && !(prim.hasKnownAttr "__toString" d.value)
       then b.mapAttrs (n: _: sub n (at n d)) d.value
       else d.value)
    else if b.all (d: isPlainSet d.value) known then
      b.zipAttrsWith (n: dss: sub n (b.concatLists dss)) (map (d: b.mapAttrs (n: _: at n d) d.value) known)
    # Lists of one priority concatenate, as `listOf` merges them (a type
    # that would refuse several definitions fails in Nix too).
    else if b.all b.isList values then b.concatMap (d: d.value) (byOrder known)
    # Modules (functions, paths, sets) defined several times: a
    # `deferredModule` option (`flake.machineModules.<name>`), merged as
    # the module system does, one module importing each.
    else if b.all (d: b.isFunction d || b.isAttrs d || isPathLike d) values && b.any (d: b.isFunction d || isPathLike d) values then
      { imports = values; }
    else lib.last values;

  # Definitions of an option's value merged (every level an option's).
  merge = defs: mergeTree (_: true) true [ ] (b.concatMap (prioDefs 100) defs);

  isPathLike = m: b.isPath m || (b.isString m && lib.hasPrefix "/" m);

  # Applies a module function as lib.evalModules does: the fixed arguments,
  # plus each named formal from specialArgs or `_module.args`.
  applyModule = args: named: f:
    let formals = b.functionArgs f; in
    f (b.mapAttrs (n: _: named n) formals // args);

  # Every module reachable from `roots` through `imports`, each file (and
  # each module with a `key`) once. Modules that cannot be read (an input's
  # flake module) are listed in `unread` with what they are.
  collect = args: named: roots:
    let
      go = st: m:
        let
          path = if isKnown m && isPathLike m then toString m else null;
          v0 = if path != null then import m else m;
          v = if isKnown v0 && b.isFunction v0 then applyModule args named v0 else v0;
          # A module with a `key` (the built-in flake-parts partitions) is
          # collected once, as lib.evalModules does.
          key = if path != null then path
            else if isKnown v && b.isAttrs v && prim.hasKnownAttr "key" v && b.isString v.key then "key:${v.key}"
            else null;
          seen = key != null && st.seen ? ${key};
          st1 = if key != null then st // { seen = st.seen // { ${key} = true; }; } else st;
          imports = v.imports or [ ];
        in
        if seen then st
        else if !(isKnown v) then st1 // { unread = st1.unread ++ [ v ]; }
        else if !(b.isAttrs v) then st1
        else if !(isKnown imports) then
          st1 // { modules = st1.modules ++ [ v ]; unread = st1.unread ++ [ imports ]; }
        else b.foldl' go (st1 // { modules = st1.modules ++ [ v ]; }) imports;
    in
    b.foldl' go { seen = { }; modules = [ ]; unread = [ ]; } roots;

  # What a module defines for `path` (`flake`, `_module.args`): from its
  # `config` when it declares options or config, else from itself; with
  # their priorities.
  prioDefsAt = path: m:
    let
      # The shorthand may be a `mkIf`/`mkMerge` of config itself (a
      # perSystem module `{ system, ... }: mkIf cond { … }`).
      configs = if m ? config || m ? options then prioDefs 100 (m.config or { }) else prioDefs 100 m;
      at = c: lib.attrByPath path null c;
    in
    b.concatMap (c: let v = at c.value; in if !(isKnown v) then [ (c // { value = v; }) ] else if v == null then [ ] else prioDefs c.prio v)
      (b.filter (c: isKnown c.value && b.isAttrs c.value) configs);

  # What a collected module defines, with priorities: its `config` when it
  # declares options or config, else itself (the shorthand) without the
  # module system's own attributes — a `mkIf`/`mkMerge`/`mkOverride` as a
  # whole too, as lib.evalModules pushes them down from the shorthand.
  # `configDefsKeeping keep`: the shorthand's attributes in `keep` are
  # config too (clan's `meta` is an option of its own).
  configDefsKeeping = keep: m:
    if m ? config || m ? options then prioDefs 100 (m.config or { })
    else prioDefs 100 (b.removeAttrs m (lib.subtractLists keep [ "imports" "_file" "key" "disabledModules" "options" "_class" "meta" "freeformType" ]));
  configDefs = configDefsKeeping [ ];

  perSystemArgs = system: {
    inherit system;
    pkgs = unknown "pkgs" "packages are only known when Nix builds the system";
    config = unknown "perSystem.config" "flake-parts' perSystem values are not read by atelier-gen";
    self' = unknown "self'" "flake-parts' perSystem values are not read by atelier-gen";
    inputs' = unknown "inputs'" "flake-parts' perSystem values are not read by atelier-gen";
    options = unknown "perSystem.options" "flake-parts' perSystem options are not read by atelier-gen";
  };

  flake-parts-lib = {
    # The module in `modulePath`, given its static arguments first.
    importApply = modulePath: staticArgs: {
      _file = modulePath;
      imports = [ (import modulePath staticArgs) ];
    };
    mkPerSystemOption = _: { };
    mkPerSystemType = _: { };
    mkSubmoduleOptions = _: { };
    # `flake.<name>` is perSystem's `<name>` of each system: not read.
    mkTransposedPerSystemModule = { name, ... }: {
      flake.${name} = unknown "flake.${name}" "flake-parts' perSystem values are not read by atelier-gen";
    };
    inherit mkFlake evalFlakeModule;
  };

  # flake-parts' `evalFlakeModule args module`: the evaluation (as
  # lib.evalModules returns it) whose `config.flake` is the outputs
  # (frameworks built on flake-parts call it themselves, stepbrobd's
  # autopilot); `mkFlake` is its `config.flake`.
  evalFlakeModule = args: module: evaluation args [ module ];
  evaluation = args: roots:
    let e = evalFlake args roots; in
    {
      _type = "configuration";
      class = "flake";
      # `processedFlake` (what newer flake-parts' `mkFlake` returns) is
      # `flake` unless a module defines it (`extras/touchup.nix`).
      config = e.config // { flake = e.outputs; processedFlake = e.config.processedFlake or e.outputs; };
      options = unknown "options" "flake-parts' options are not read by atelier-gen";
      type = unknown "type" "flake-parts' module type is not read by atelier-gen";
      extendModules = ext:
        evaluation (args // { specialArgs = (args.specialArgs or { }) // (ext.specialArgs or { }); })
          (roots ++ (ext.modules or [ ]));
    };

  # flake-parts' `mkFlake`: the `flake` option of every module, merged.
  mkFlake = args: module: (evalFlakeModule args module).config.flake;

  # One flake-parts evaluation of `roots`: its `config`, the flake's
  # outputs, and the modules it could not read (with those of the
  # partitions its outputs take attributes from).
  evalFlake = args: roots:
    let
      inputs = args.inputs or { };
      self = args.self or inputs.self or (unknown "self" "flake-parts was given no `self`");
      specialArgs = args.specialArgs or { };
      fixed = {
        inherit lib inputs self config flake-parts-lib withSystem getSystem moduleWithSystem specialArgs;
        options = unknown "options" "flake-parts' options are not read by atelier-gen";
        # As lib.evalModules' result: the same evaluation with more modules
        # and special arguments (what a partition is).
        extendModules = ext:
          evalFlake (args // { specialArgs = specialArgs // (ext.specialArgs or { }); }) (roots ++ (ext.modules or [ ]));
        __atelierPartitions = partitionEvals;
      } // specialArgs;
      moduleArgs = merge (highest (b.concatMap (prioDefsAt [ "_module" "args" ]) found.modules));
      # As lib.modules: the fixed arguments and specialArgs first, then
      # `_module.args` (so an import may depend on `inputs`).
      named = n:
        fixed.${n} or moduleArgs.${n} or (unknown n "this flake-parts module argument is not known to atelier-gen");
      found = collect fixed named roots;
      # Options the flake's own modules declare (`options.nixos.configurations
      # = mkOption { type = lazyAttrsOf (submodule ...); }`): their types,
      # submodules and defaults are not read, so an element of such a table
      # may have more attributes than its definitions give (unknown, not
      # missing: `{ configuration, ... }: configuration`).
      optionPaths = prefix: o:
        if !(isKnown o) || !(b.isAttrs o) then [ ]
        else if prim.hasKnownAttr "_type" o && o._type == "option" then [ { path = prefix; option = o; } ]
        else if b.length prefix >= 4 then [ ]
        else b.concatLists (lib.mapAttrsToList (n: optionPaths (prefix ++ [ n ])) o);
      declared = b.filter (d: d.path != [ ] && b.head d.path != "flake")
        (b.concatMap (m: if isKnown (m.options or { }) then optionPaths [ ] (m.options or { }) else [ ]) found.modules);
      # `attrsOf (submodule m)`: each element is the config of its own
      # module system (m, `{ name; }`, the element's definitions), as
      # lib.evalModules makes it: an option's default is a definition of
      # priority 1500, which any other definition of it replaces. A name
      # no option declares is the modules' definitions of it; with a
      # `freeformType` of `attrsOf (submodule m')`, each such name is the
      # config of `m'`'s own module system, in turn.
      evalElement = modules: name: v:
        let
          fixedE = { inherit lib name; config = cfgE; options = unknown "options" "a submodule's options are not read by atelier-gen"; };
          foundE = collect fixedE (n: unknown n "this submodule argument is not known to atelier-gen") (modules ++ [ { config = v; } ]);
          optionsE = b.concatMap (m: if isKnown (m.options or { }) then optionPaths [ ] (m.options or { }) else [ ]) foundE.modules;
          pathsE = map (d: d.path) optionsE;
          defaultsE = map (d: { prio = 1500; value = lib.setAttrByPath d.path d.option.default; })
            (b.filter (d: d.option ? default) optionsE);
          cfg0 = mergeTree (p: b.elem p pathsE) false [ ] (defaultsE ++ moduleDefs configDefs foundE.modules);
          freeforms = map (m: m.freeformType) (b.filter (m: prim.hasKnownAttr "freeformType" m) foundE.modules);
          freeSub = if freeforms == [ ] then null else prim.attrsOfSubmodule (b.head freeforms);
          declaredTop = lib.unique (map b.head (b.filter (p: p != [ ]) pathsE));
          cfgE =
            if freeSub == null || !(isKnown cfg0) || !(b.isAttrs cfg0) then cfg0
            else cfg0 // b.mapAttrs (evalElement freeSub) (b.removeAttrs cfg0 declaredTop);
        in
        cfgE;
      openElements = d: v:
        let
          path = d.path;
          sub = prim.attrsOfSubmodule (d.option.type or null);
          fsub = prim.functionToSubmodule (d.option.type or null);
          own = prim.submoduleOf (d.option.type or null);
        in
        # `functionTo (submodule m)`: what the function returns is the
        # config of m's module system (its option defaults under it).
        if fsub != null && isKnown v && b.isFunction v then (x: evalElement fsub "<function body>" (v x))
        else if !(isKnown v) || !(b.isAttrs v) then v
        else if sub != null then b.mapAttrs (evalElement sub) v
        # `submodule m`: the config of m's module system, named after the
        # option.
        else if own != null then evalElement own (lib.last path) v
        else b.mapAttrs (n: e:
          if isKnown e && b.isAttrs e && !(prim.hasKnownAttr "_type" e)
          then prim.openAttrs "config.${b.concatStringsSep "." (path ++ [ n ])}"
            "`${b.concatStringsSep "." (path ++ [ n ])}` is a value of an option the flake's modules declare: its type's submodule and defaults are not read by atelier-gen's built-in flake-parts" e
          else e) v;
      # Where options are: flake-parts' own (`flake`, a submodule whose
      # every attribute is an option; `systems`, `perSystem`,
      # `_module.args`) and those the flake's modules declare; the levels
      # above them are namespaces.
      declaredPaths = map (d: d.path) declared;
      isOption = p: b.elem p [ [ "flake" ] [ "systems" ] [ "perSystem" ] [ "_module" "args" ] ] || b.elem p declaredPaths;
      merged0 = mergeTree isOption false [ ] (moduleDefs configDefs found.modules);
      # A declared option nothing defines: its default, as the module
      # system takes it; unknown (named) when there is none, and whenever
      # an `apply` would change the value (defined or not) of a type whose
      # merge is not modelled.
      undefinedValue = d:
        let p = b.concatStringsSep "." d.path; in
        if d.option ? apply then unknown "config" "option `${p}` has an `apply` function that atelier-gen's built-in flake-parts does not run"
        else if d.option ? default then d.option.default
        else unknown "config" "option `${p}` is declared by the flake's modules and defined by none";
      # A `deferredModule(With { staticModules; })` option merges as the
      # module system does (one module importing the static modules and the
      # definitions, or the default), then its `apply`.
      deferredValue = d: static: acc:
        let
          defs = if lib.hasAttrByPath d.path acc then [ (lib.getAttrFromPath d.path acc) ]
            else if d.option ? default then [ d.option.default ] else [ ];
          v = { imports = static ++ defs; };
        in
        if d.option ? apply then d.option.apply v else v;
      # Every declared option is in `config`, its value read only when it
      # is: the names of `config` never depend on a type, which may itself
      # be another option's value (`type = config.kit.machineTable`).
      valueAt = acc: d:
        let static = prim.deferredModuleStatic (d.option.type or null); in
        if static != null then deferredValue d static acc
        else if lib.hasAttrByPath d.path acc && !(d.option ? apply) then lib.getAttrFromPath d.path acc
        else undefinedValue d;
      merged1 = b.foldl'
        (acc: d: lib.recursiveUpdateUntil (p: _: _: p == d.path) acc (lib.setAttrByPath d.path (valueAt acc d)))
        merged0
        declared;
      merged = b.foldl'
        (acc: d:
          if lib.hasAttrByPath d.path acc
          then lib.recursiveUpdateUntil (p: _: _: p == d.path) acc (lib.setAttrByPath d.path (openElements d (lib.getAttrFromPath d.path acc)))
          else acc)
        merged1
        declared;
      # The `flake` option is a submodule (a freeform one): a definition
      # that is a function or a path is a module of its own, called with the
      # outputs as `config` (`flake = { config, lib, ... }: { … }`), and
      # the plain definitions are modules too.
      flakeDefs = highest (b.concatMap (prioDefsAt [ "flake" ]) found.modules);
      flakeSub = collect
        { lib = fixed.lib; name = "flake"; config = flake; options = unknown "options" "flake-parts' options are not read by atelier-gen"; }
        (n: unknown n "this argument of a module of flake-parts' `flake` option is not known to atelier-gen")
        (b.filter isKnown flakeDefs);
      flakeAsModules = b.any (d: isKnown d && (b.isFunction d || isPathLike d)) flakeDefs;
      flake =
        if flakeAsModules then mergeTree (_: true) true [ ] (moduleDefs configDefs flakeSub.modules)
        else merged.flake or { };
      config = merged // {
        inherit flake;
        perSystem = unknown "perSystem" "flake-parts' perSystem is not read by atelier-gen";
        allSystems = unknown "allSystems" "flake-parts' perSystem is not read by atelier-gen";
      };
      # flake-parts' partitions (`flakeModules.partitions`): each one the
      # evaluation of these modules and its `module`, with its
      # `extraInputs` among the inputs (`inputs`, `self.inputs`) and its
      # name on `partitionStack`.
      partitionStack = named "partitionStack";
      hasPartitions = b.any (m: prim.hasKnownAttr "key" m && m.key == partitionsKey) found.modules;
      partitionEvals = b.mapAttrs
        (name: part:
          let
            inputs2 = fixed.inputs // (part.extraInputs or { }) // { self = self2; };
            self2 = fixed.self // { inputs = inputs2; };
          in
          fixed.extendModules {
            specialArgs = { inputs = inputs2; self = self2; partitionStack = partitionStack ++ [ name ]; };
            modules = [ (part.module or { }) ];
          })
        (if hasPartitions && isKnown (config.partitions or { }) then config.partitions or { } else { });
      partitionsUsed =
        if hasPartitions && isKnown (config.partitionedAttrs or { }) && partitionStack == [ ]
        then lib.unique (b.attrValues (config.partitionedAttrs or { }))
        else [ ];
      unread = found.unread
        ++ (if flakeAsModules then flakeSub.unread else [ ])
        ++ b.concatMap (p: (partitionEvals.${p} or { unread = [ ]; }).unread) partitionsUsed;
      # perSystem, flake-parts' module system per system: only its module
      # arguments are read. `pkgs` is the `nixpkgs` input's
      # `legacyPackages.<system>` (flake-parts' nixpkgs module defines it at
      # `mkOptionDefault`) unless a perSystem module's `_module.args` sets
      # it (`import inputs.nixpkgs { inherit system; overlays; }`). A
      # perSystem module atelier-gen cannot read could set any of them: the
      # arguments are then those of `perSystemArgs` (unknown, named).
      perSystemModules = highest (b.concatMap (prioDefsAt [ "perSystem" ]) found.modules);
      moduleArgsOf = system:
        let
          base = perSystemArgs system;
          fixedP = { inherit lib system; inherit (base) config options self' inputs'; };
          namedP = n: fixedP.${n} or argsP.${n} or (unknown n "this perSystem module argument is not known to atelier-gen");
          foundP = collect fixedP namedP perSystemModules;
          argDefs = b.concatMap (prioDefsAt [ "_module" "args" ]) foundP.modules;
          defaultPkgs = if inputs ? nixpkgs then [ { prio = 1500; value = { pkgs = inputs.nixpkgs.legacyPackages.${system}; }; } ] else [ ];
          argsP = mergeTree (p: b.length p == 1) false [ ] (defaultPkgs ++ argDefs);
          readable = foundP.unread == [ ] && b.all (d: isKnown d.value) argDefs;
        in
        if readable then base // argsP // fixedP else base;
      withSystem = system: f: f (moduleArgsOf system);
      # perSystem's config of `system` (flake-parts' `allSystems.<system>`):
      # its `allModuleArgs` are what `withSystem` passes; its option values
      # (`packages`, ...) are not read.
      getSystem = system: prim.openAttrs "perSystem.config"
        "flake-parts' perSystem values are not read by atelier-gen"
        { allModuleArgs = moduleArgsOf system; };
      # As flake-parts: a module importing `f` called with the perSystem
      # arguments its formals name.
      moduleWithSystem = f: { config, ... }: {
        imports = [ (f (b.intersectAttrs (b.functionArgs f) (perSystemArgs (unknown "system" "the host's system is not read by atelier-gen")))) ];
      };
    in
    {
      inherit config unread;
      outputs = flake // {
        # Read by flake.rs: flake modules it could not read.
        __atelierUnread = unread;
      };
    };

  # flake-parts' `flakeModules.partitions` (extras/partitions.nix): the
  # outputs `partitionedAttrs.<attr> = "<partition>"` names are that
  # partition's (`lib.mkForce`), whose evaluation `evalFlake` makes.
  partitionsKey = "atelier:flake-parts/extras/partitions.nix";
  partitionsModule = { config, partitionStack, __atelierPartitions, ... }:
    let
      # Output `attr` of partition `p`: where the partition does not define
      # it, a flake module it could not read may (one of those, unknown).
      partitionOutput = p: attr:
        let e = __atelierPartitions.${p} or (throw "flake-parts: `partitionedAttrs.${attr}` names partition `${p}`, which `partitions` does not define"); in
        e.config.flake.${attr} or (
          if e.unread != [ ] then b.head e.unread
          else throw "flake-parts: partition `${p}` defines no output `${attr}` (`partitionedAttrs.${attr}`)");
      partitionModule = { config, ... }: {
        options = {
          extraInputsFlake = lib.mkOption { type = lib.types.raw; };
          extraInputs = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; default = { }; };
          module = lib.mkOption { type = lib.types.deferredModule; default = { }; };
        };
        # The inputs of the flake in that directory (its flake.nix), each
        # known as the flake's own inputs are.
        config.extraInputs =
          if config ? extraInputsFlake then flakeInputs config.extraInputsFlake else { };
      };
    in
    {
      key = partitionsKey;
      options = {
        partitionedAttrs = lib.mkOption { type = lib.types.attrsOf lib.types.str; default = { }; };
        partitions = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule partitionModule); default = { }; };
      };
      config = {
        _module.args.partitionStack = [ ];
        flake = lib.optionalAttrs (partitionStack == [ ])
          (b.mapAttrs (attr: p: lib.mkForce (partitionOutput p attr)) config.partitionedAttrs);
      };
    };

  # The inputs of the flake in `dir` (a partition's `extraInputsFlake`,
  # which flake-parts reads with flake-compat): those its flake.nix
  # declares, each known as the flake's own inputs are without their
  # sources (nixpkgs' lib, flake-parts, ...; their sources are not looked
  # for). `x.follows = "y"` is its input `y`.
  flakeInputs = dir:
    let
      top = import (dir + "/flake.nix");
      lockFile = dir + "/flake.lock";
      lock = if b.pathExists lockFile then b.fromJSON (b.readFile lockFile) else { };
      nodes = lock.nodes or { };
      rootNode = nodes.${lock.root or "root"} or { };
      originalOf = n:
        let node = (rootNode.inputs or { }).${n} or null; in
        if b.isString node then (nodes.${node} or { }).original or { } else { };
      decls = if isKnown (top.inputs or { }) then top.inputs or { } else { };
      reason = n: "flake input `${n}` of the flake in ${toString dir} (a flake-parts partition's `extraInputsFlake`) has no source here: atelier-gen does not look for the sources of that flake's inputs";
      value = n: d:
        let d' = if b.isString d then { url = d; } else d; in
        if d' ? follows && !(d' ? url) then
          (values.${d'.follows} or (unknown n (reason n)))
        else prim.knownInput knowledge { name = n; url = d'.url or null; original = originalOf n; reason = reason n; };
      values = b.mapAttrs value decls;
    in
    values;

  # import-tree: a module importing every `.nix` file under the given paths.
  importTree =
    let
      skip = root: p:
        let rel = lib.removePrefix (toString root) (toString p); in
        b.match ".*/_.*" rel != null;
      isDir = p: (b.readDir (dirOf p)).${baseNameOf (toString p)} or null == "directory";
      leafsOf = st: root:
        if b.isList root then b.concatMap (leafsOf st) root
        else if isPathLike root && isDir root then
          b.filter (p: !(skip root p) && lib.hasSuffix ".nix" (toString p) && b.all (f: f p) st.filters)
            (lib.filesystem.listFilesRecursive root)
        else [ root ];
      make = st: let
        # As import-tree's: the files under the paths, each through the `map`s.
        leafs = paths: map (p: b.foldl' (x: f: f x) p st.maps) (leafsOf st (st.paths ++ lib.toList paths));
        tree = {
        # `import inputs.import-tree` is its default.nix: this same value.
        __atelierImport = tree;
        __functor = self: paths: { imports = leafs paths; };
        filter = f: make (st // { filters = st.filters ++ [ (p: f (toString p)) ]; });
        filterNot = f: make (st // { filters = st.filters ++ [ (p: !(f (toString p))) ]; });
        match = re: make (st // { filters = st.filters ++ [ (p: b.match re (toString p) != null) ]; });
        matchNot = re: make (st // { filters = st.filters ++ [ (p: b.match re (toString p) == null) ]; });
        map = f: make (st // { maps = st.maps ++ [ f ]; });
        addPath = p: make (st // { paths = st.paths ++ [ p ]; });
        withLib = _: make st;
        inherit leafs;
        files = leafs [ ];
        new = make { filters = [ ]; maps = [ ]; paths = [ ]; };
      }; in tree;
    in
    make { filters = [ ]; maps = [ ]; paths = [ ]; };
  # snowfall-lib's `mkFlake`: hosts are `systems/<arch>-linux/<host>/`, every
  # `modules/nixos/**/default.nix` is a module of every host, the flake's
  # `lib/**/default.nix` is `lib.<namespace>`. Homes, packages, overlays
  # and other outputs are not read.
  snowfall =
    let
      defaultsIn = dir:
        if b.pathExists dir
        then b.filter (p: baseNameOf (toString p) == "default.nix") (lib.filesystem.listFilesRecursive dir)
        else [ ];
      snowfallUnknown = n: unknown n "snowfall-lib's own library is not read by atelier-gen";
      # Each input's `lib` by the input's name, of the inputs that have one
      # (`self` left out), as snowfall-lib's `get-libs`. An input whose
      # `lib` only Nix knows counts as having one.
      inputLibs = inputs:
        let
          withLib = lib.filterAttrs
            (n: v: n != "self" && (let l = v.lib or null; in !(isKnown l) || b.isAttrs l))
            inputs;
        in
        b.mapAttrs (_: v: v.lib) withLib;
      # The libraries of one snowfall-lib evaluation, shaped as its
      # `internal/default.nix` makes them: `baseLib` merges nixpkgs' lib,
      # snowfall-lib's own inputs' libs (its nixpkgs: the flake's), the
      # flake's inputs' libs, snowfall-lib's top-level functions and
      # `snowfall`, shallowly (the last one winning); user lib files get
      # `baseLib // { <namespace> = userLib; }` as `lib`, and so do hosts
      # (`system-lib`), so a file's attribute names may be computed with
      # `lib` (`lib.genAttrs …`).
      libsOf = args:
        let
          inputs = args.inputs;
          root = args.snowfall.root or args.src;
          namespace = args.snowfall.namespace or "internal";
          baseLib = lib
            // { nixpkgs = lib; flake-utils-plus = snowfallUnknown "flake-utils-plus.lib"; }
            // inputLibs inputs
            // { mkFlake = args2: mkFlake (args // args2); snowfall = snowfallUnknown "lib.snowfall"; };
          systemLib = baseLib // { ${namespace} = userLib; };
          # As snowfall-lib does: a function is called with the arguments it
          # names (`callPackageWith`), anything else taken as it is; the
          # files are merged deeply.
          libArgs = {
            inputs = b.removeAttrs inputs [ "self" "src" ];
            inherit namespace;
            lib = systemLib;
            snowfall-inputs = inputs;
          };
          callLib = f: let v = import f; in if b.isFunction v then v (b.intersectAttrs (b.functionArgs v) libArgs) else v;
          userLib = b.foldl' lib.recursiveUpdate { } (map callLib (defaultsIn (root + "/lib")));
        in
        { inherit root namespace baseLib systemLib userLib; };
      mkFlake = args:
        let
          inputs = args.inputs;
          libs = libsOf args;
          inherit (libs) root namespace systemLib;
          systemsDir = root + "/systems";
          targets = lib.filterAttrs (t: kind: kind == "directory" && lib.hasSuffix "-linux" t)
            (if b.pathExists systemsDir then b.readDir systemsDir else { });
          hostsOf = target:
            lib.mapAttrsToList (name: _: { inherit name target; })
              (lib.filterAttrs (_: kind: kind == "directory") (b.readDir (systemsDir + "/${target}")));
          hosts = b.concatMap hostsOf (b.attrNames targets);
          common = defaultsIn (root + "/modules/nixos");
          mkHost = h:
            let
              system = lib.removeSuffix "-linux" h.target + "-linux";
              host = args.systems.hosts.${h.name} or { };
            in
            {
              inherit (h) name;
              value = lib.nixosSystem {
                inherit system;
                specialArgs = {
                  inherit inputs namespace system;
                  lib = systemLib;
                  target = h.target;
                  format = "linux";
                  virtual = false;
                  host = h.name;
                  systems = { };
                } // (host.specialArgs or { });
                modules = [ (systemsDir + "/${h.target}/${h.name}") ]
                  ++ common
                  ++ (args.systems.modules.nixos or [ ])
                  ++ (host.modules or [ ]);
              };
            };
          # `modules/nixos/<name>/default.nix` as `nixosModules.<name>`,
          # each a module function giving the file what snowfall-lib's
          # system builder gives its hosts (`lib`, `inputs`, `namespace`,
          # `system`, `target`, `format`, …) whichever host imports it, then
          # `alias.modules.nixos` (`default = "base"`), as its
          # `create-modules` does.
          moduleName = p: lib.removeSuffix "/default.nix" (lib.removePrefix (toString (root + "/modules/nixos") + "/") (toString p));
          wrapModule = path: args@{ pkgs, ... }:
            let
              system = args.system or pkgs.stdenv.hostPlatform.system;
              target = args.target or system;
              imported = import path;
              given = args // {
                inherit system target namespace;
                format = args.format or "linux";
                virtual = args.virtual or false;
                systems = args.systems or { };
                lib = systemLib;
                pkgs = unknown "pkgs" "snowfall-lib gives its modules its own `pkgs`, which only Nix knows";
                inputs = b.removeAttrs inputs [ "src" ];
              };
            in
            (if b.isFunction imported then imported given else imported) // { _file = path; };
          ownModules = b.listToAttrs (map (p: { name = moduleName p; value = wrapModule p; }) common);
          nixosModules = ownModules // b.mapAttrs (_: target: ownModules.${target}) (args.alias.modules.nixos or { });
        in
        {
          nixosConfigurations = b.listToAttrs (map mkHost hosts);
          inherit nixosModules;
          lib = libs.userLib;
        };
    in
    {
      inherit mkFlake;
      # `mkLib`: the base lib and the user lib merged deeply, with
      # `mkFlake` taking the same arguments.
      mkLib = libArgs:
        let libs = libsOf libArgs; in
        lib.recursiveUpdate libs.baseLib libs.userLib // { mkFlake = args: mkFlake (libArgs // args); };
    };
  # haumea's `load`: a directory as an attribute set, `foo.nix` as `foo`
  # (its value called with the inputs it asks for, plus `self`, `super`,
  # `root`), sub-directories nested; names starting with `_` stay out of
  # the result. Loaders and transformers: the documented basic ones.
  haumea =
    let
      # As haumea: every argument the function names, each looked up in
      # `args` only when used (a named argument nobody reads may be
      # missing), and `{ }` for a function without named arguments.
      callWith = args: f: f (b.mapAttrs (name: _: args.${name}) (b.functionArgs f));
      loaders = {
        default = args: path: let v = import path; in if b.isFunction v then callWith args v else v;
        verbatim = _: path: import path;
        path = _: path: path;
        scoped = loaders.default;
      };
      transformers = {
        liftDefault = _: mod: if b.isAttrs mod && mod ? default then mod.default // b.removeAttrs mod [ "default" ] else mod;
        hoistAttrs = from: to: _: mod: mod;
        hoistLists = from: to: _: mod: mod;
      };
      load = { src, inputs ? { }, loader ? loaders.default, transformer ? [ ] }:
        let
          transformers' = lib.toList transformer;
          loaderFn = if b.isList loader then loaders.default else loader;
          tree = cursor: dir:
            let
              entries = b.readDir dir;
              visible = lib.filterAttrs (n: kind:
                !(lib.hasPrefix "_" n) && (kind == "directory" || lib.hasSuffix ".nix" n)) entries;
              item = n: kind:
                let
                  name = if kind == "directory" then n else lib.removeSuffix ".nix" n;
                  path = dir + "/${n}";
                  cursor' = cursor ++ [ name ];
                  value =
                    if kind == "directory" then tree cursor' path
                    else loaderFn (inputs // { self = value; super = here; root = result; }) path;
                in
                lib.nameValuePair name value;
              here = b.listToAttrs (lib.mapAttrsToList item visible);
            in
            b.foldl' (acc: t: t cursor acc) here transformers';
          result = tree [ ] src;
        in
        result;
    in
    {
      lib = { inherit load loaders transformers; };
    };
  # ez-configs' flake module: a host per file or directory (its entry point)
  # of `ezConfigs.nixos.configurationsDirectory` (default
  # `<root>/nixos-configurations`), with `ezModules` (the files and
  # directories of `modulesDirectory`, default `<root>/nixos-modules`) as a
  # special argument and `ezModules.default` imported unless the host's
  # `importDefault` is false. Home-manager users are not read.
  ezConfigs =
    let
      isDir = p: b.pathExists p && (b.readDir (dirOf p)).${baseNameOf (toString p)} or null == "directory";
      readModules = dir: entryPoint:
        if dir == null then { }
        else if b.pathExists "${toString dir}.nix" && !(isDir "${toString dir}.nix") then { default = dir; }
        else if isDir dir then
          lib.concatMapAttrs
            (entry: kind:
              let dirEntry = "${toString dir}/${entry}/${entryPoint}"; in
              if kind == "regular" && lib.hasSuffix ".nix" entry then { ${lib.removeSuffix ".nix" entry} = "${toString dir}/${entry}"; }
              else if b.pathExists dirEntry && !(isDir dirEntry) then { ${entry} = dirEntry; }
              else { })
            (b.readDir dir)
        else { };
      module = { config, lib, inputs, ... }:
        let
          cfg = config.ezConfigs or { };
          root = cfg.root or null;
          nixos = cfg.nixos or { };
          dirOf' = option: default:
            nixos.${option} or (if root != null then "${toString root}/${default}" else null);
          ezModules = readModules (dirOf' "modulesDirectory" "nixos-modules") "default.nix";
          hostModules = readModules (dirOf' "configurationsDirectory" "nixos-configurations")
            (nixos.configurationEntryPoint or "default.nix");
          specialArgs = nixos.specialArgs or (cfg.globalArgs or { });
        in
        {
          flake.nixosModules = ezModules;
          flake.nixosConfigurations = lib.mapAttrs
            (name: configModule:
              inputs.nixpkgs.lib.nixosSystem {
                specialArgs = specialArgs // { inherit ezModules; };
                modules = [ configModule { networking.hostName = lib.mkDefault name; } ]
                  ++ lib.optionals (nixos.hosts.${name}.importDefault or true) [ (ezModules.default or { }) ];
              })
            hostModules;
        };
    in
    {
      flakeModule = module;
      flakeModules.default = module;
    };
  # nixos-unified: `lib.mkFlake { inputs; root; }` is flake-parts' with every
  # entry of the first of nix/modules/flake, modules/flake,
  # nix/modules/flake-parts, modules/flake-parts imported; its autowire
  # module makes a host of each `configurations/nixos/<name>.nix` or
  # `<name>/default.nix` (special argument `flake = { self; inputs; config;
  # specialArgs; }`) and a NixOS module of each entry of `modules/nixos`.
  nixosUnified =
    let
      entries = dir:
        if !(b.pathExists dir) then { }
        else
          lib.concatMapAttrs
            (fn: kind:
              if kind == "regular" && lib.hasSuffix ".nix" fn then { ${lib.removeSuffix ".nix" fn} = "${dir}/${fn}"; }
              else if kind == "directory" && b.pathExists "${dir}/${fn}/default.nix" then { ${fn} = "${dir}/${fn}"; }
              else { })
            (b.readDir dir);
      linuxSystem = { self, inputs, config, specialArgs }: mod:
        inputs.nixpkgs.lib.nixosSystem {
          specialArgs = { flake = { inherit self inputs config specialArgs; }; };
          modules = [ mod ];
        };
      default = { self, inputs, config, specialArgs, ... }: {
        flake.nixos-unified.lib = {
          specialArgsFor = rec {
            common.flake = { inherit self inputs config specialArgs; };
            nixos = common;
          };
          mkLinuxSystem = _: linuxSystem { inherit self inputs config specialArgs; };
        };
      };
      autoWire = { self, inputs, config, specialArgs, ... }: {
        flake.nixosConfigurations = lib.mapAttrs (_: linuxSystem { inherit self inputs config specialArgs; })
          (entries "${toString self}/configurations/nixos");
        flake.nixosModules = entries "${toString self}/modules/nixos";
      };
      mkUnifiedFlake = { inputs, root, systems ? [ "x86_64-linux" "aarch64-linux" ], specialArgs ? { }, ... }:
        let
          candidates = b.filter (c: b.pathExists "${toString root}/${c}")
            [ "nix/modules/flake" "modules/flake" "nix/modules/flake-parts" "modules/flake-parts" ];
          dir = "${toString root}/${b.head candidates}";
        in
        mkFlake { inherit inputs specialArgs; } {
          inherit systems;
          _module.args = { inherit root; };
          imports = if candidates == [ ] then [ ] else map (fn: "${dir}/${fn}") (b.attrNames (b.readDir dir));
        };
    in
    {
      flakeModules = { inherit default autoWire; };
      flakeModule = default;
      lib.mkFlake = mkUnifiedFlake;
    };
  # clan-core: `lib.clan { self; imports; machines; inventory; specialArgs;
  # directory; modules; ... }` (an evalModules result: hosts in
  # `.config.nixosConfigurations`), the deprecated `lib.buildClan` (that
  # `config` itself) and its flake module (`flakeModules.default`: the
  # `clan` / `flake.clan` option, hosts in `flake.nixosConfigurations`).
  # As modules/clan/module.nix: a machine is each directory of
  # `<directory>/machines`, each `inventory.machines.<name>` (also from
  # `<directory>/inventory.json`) and each `machines.<name>`; its class is
  # `inventory.machines.<name>.machineClass` (default `nixos`; darwin ones
  # are no NixOS host). A machine's modules (forName.nix): the existing
  # `machines/<name>/configuration.nix`, `hardware-configuration.nix`,
  # `disko.nix`, then `machines.<name>`, `networking.hostName = mkDefault
  # <name>`, special arguments `clan-core`, `self` and `specialArgs`.
  # Inventory service instances reach a machine through
  # `roles.<role>.machines.<name>` or `roles.<role>.tags` (`all`, `nixos`
  # or a tag of the machine): an instance of the flake's own
  # (`module.input = "self"`, from `modules.<name>`) adds the `nixosModule`
  # of its role's `perInstance` and of its `perMachine`; those of other
  # inputs are their modules (not read, as nixpkgs' modules are not); a
  # role's `extraModules` are the machine's, whatever the service's input.
  # The flake module gives the clan the flake's `self`.
  clan =
    let
      isDir = p: b.pathExists p && (b.readDir (dirOf p)).${baseNameOf (toString p)} or null == "directory";
      attrsOr = v: if isKnown v && b.isAttrs v then v else { };
      callModule = args: m:
        let v = if isPathLike m then import m else m; in
        if isKnown v && b.isFunction v then applyModule args (n: args.${n} or (unknown n "this clan service argument is not known to atelier-gen")) v else v;
      # The clan's modules (`roots` and what they import), evaluated as
      # clan-core's lib.evalModules does: module functions get `config`,
      # `lib`, `options`, `self`, `nixpkgs`, `nix-darwin` (its special
      # arguments), `clan-core`, `clanLib` (its `_module.args`) and the
      # modules' own `_module.args`; every top-level attribute is an option
      # (`inventory`, `machines`, `specialArgs`, ...), merged with
      # priorities. `selfArg` is the `self` special argument.
      evalClan = selfArg: roots:
        let
          fixed = {
            inherit lib config;
            self = selfArg;
            _class = "clan";
            options = unknown "options" "clan's options are not read by atelier-gen";
            nixpkgs = (attrsOr ((attrsOr selfArg).inputs or { })).nixpkgs or (unknown "nixpkgs" "the clan's nixpkgs is clan-core's own when the flake has none, which atelier-gen does not read");
            nix-darwin = (attrsOr ((attrsOr selfArg).inputs or { })).nix-darwin or (unknown "nix-darwin" "the clan's nix-darwin is clan-core's own when the flake has none, which atelier-gen does not read");
            clan-core = unknown "clan-core" "clan-core's own modules are not read by atelier-gen";
            clanLib = unknown "clanLib" "clan-core's own lib is not read by atelier-gen";
          };
          moduleArgs = merge (highest (b.concatMap (prioDefsAt [ "_module" "args" ]) found.modules));
          named = n: fixed.${n} or moduleArgs.${n} or (unknown n "this clan module argument is not known to atelier-gen");
          # What clan-core's own clan module defines that is read here (its
          # module.nix): the machines' `self`, and every machine in the
          # inventory.
          clanCoreModule = {
            specialArgs.self = lib.mkDefault config.self;
            inventory.machines = let m = cfg.machines or { }; in
              if isKnown m && b.isAttrs m then b.mapAttrs (_: _: { }) m else m;
          };
          found = collect fixed named ([ clanCoreModule ] ++ roots);
          cfg = mergeTree (p: b.length p == 1) false [ ] (moduleDefs (configDefsKeeping [ "meta" ]) found.modules);
          # What the modules read as `config`: their definitions, the
          # defaults of `self` and `directory`, and the clan's outputs.
          config = cfg // { inherit self directory; } // outputs;
          self = cfg.self or selfArg;
          directory = toString (cfg.directory or self);
          machinesDir = "${directory}/machines";
          inventoryFile = "${directory}/inventory.json";
          inventory = attrsOr (cfg.inventory or { });
          fromFile = if b.pathExists inventoryFile then (b.fromJSON (b.readFile inventoryFile)).machines or { } else { };
          fromDirs = if isDir machinesDir then lib.filterAttrs (_: kind: kind == "directory") (b.readDir machinesDir) else { };
          inventoryMachines = fromFile // attrsOr (inventory.machines or { });
          userMachines = attrsOr (cfg.machines or { });
          names = b.attrNames (fromDirs // inventoryMachines // userMachines);
          classOf = n: (attrsOr (inventoryMachines.${n} or { })).machineClass or "nixos";
          tagsOf = n: lib.toList ((attrsOr (inventoryMachines.${n} or { })).tags or [ ]);
          instances = attrsOr (inventory.instances or { });
          tagNames = t: if b.isAttrs t then b.attrNames t else lib.toList t;
          # The roles of `instance` that machine `n` has.
          rolesOf = n: instance:
            b.filter
              (r:
                let role = attrsOr instance.roles.${r}; in
                (attrsOr (role.machines or { })) ? ${n}
                || b.any (t: t == "all" || t == classOf n || b.elem t (tagsOf n)) (tagNames (role.tags or [ ])))
              (b.attrNames (attrsOr (instance.roles or { })));
          serviceModule = name: instanceName: instance:
            let m = (attrsOr (cfg.modules or { })).${name} or null; in
            if m == null then
              { imports = unknown "clan.modules.${name}" "clan service `${name}` (instance `${instanceName}`) is not in the clan's `modules`"; }
            else m;
          instanceModules = n: b.concatMap
            (instanceName:
              let
                instance = attrsOr instances.${instanceName};
                module = attrsOr (instance.module or { });
                name = module.name or instanceName;
                input = module.input or null;
                roles = rolesOf n instance;
                service = callModule { inherit lib; } (serviceModule name instanceName instance);
                machine = { name = n; inherit roles; };
                settingsOf = r:
                  let role = attrsOr instance.roles.${r}; in
                  prim.openAttrs "clan.inventory.instances.${instanceName}.roles.${r}.settings"
                    "a clan service's settings are only known to its interface, which atelier-gen does not read"
                    (lib.recursiveUpdate (attrsOr (role.settings or { }))
                      (attrsOr ((attrsOr ((attrsOr (role.machines or { })).${n} or { })).settings or { })));
                args = r: {
                  inherit instanceName machine lib;
                  roles = attrsOr (instance.roles or { });
                  settings = settingsOf r;
                  mkExports = x: x;
                  exports = unknown "exports" "clan exports are not read by atelier-gen";
                };
                perInstance = r:
                  let f = (attrsOr ((attrsOr (attrsOr service).roles or { }).${r} or { })).perInstance or null; in
                  if f == null then [ ] else [ ((callModule (args r) f).nixosModule or { }) ];
                perMachine =
                  let f = (attrsOr service).perMachine or null; in
                  if f == null then [ ] else
                    [ ((callModule { inherit machine lib; instances = { ${instanceName} = instance; }; settings = prim.openAttrs "clan.settings" "clan settings are not read" { }; } f).nixosModule or { }) ];
                # A role's `extraModules`, for a service of any input (a
                # relative string is a file of the clan's directory).
                extraOf = r:
                  map (m: if b.isString m && !lib.hasPrefix "/" m then "${directory}/${m}" else m)
                    (lib.toList ((attrsOr instance.roles.${r}).extraModules or [ ]));
              in
              b.concatMap extraOf roles
              ++ (if roles == [ ] || input != "self" then [ ]
                  else b.concatMap perInstance roles ++ perMachine))
            (b.attrNames instances);
          existing = n: b.filter b.pathExists
            (map (f: "${machinesDir}/${n}/${f}") [ "configuration.nix" "hardware-configuration.nix" "disko.nix" ]);
          mkMachine = n: lib.nixosSystem {
            specialArgs = {
              inherit self;
              clan-core = unknown "clan-core" "clan-core's own modules are not read by atelier-gen";
            } // attrsOr (cfg.specialArgs or { });
            modules = existing n
              ++ lib.optional (userMachines ? ${n}) userMachines.${n}
              ++ [ { networking.hostName = lib.mkDefault n; } ]
              ++ instanceModules n;
          };
          nixosNames = b.filter (n: classOf n == "nixos") names;
          # What could not be read (a module the clan imports from an input,
          # its inventory or machines only Nix knows) may define hosts: named
          # as the host table's unknown, never dropped.
          unread = found.unread
            ++ b.filter (v: !(isKnown v)) [ (cfg.inventory or { }) (inventory.machines or { }) (cfg.machines or { }) ];
          hosts = lib.genAttrs nixosNames mkMachine;
          outputs = {
            nixosConfigurations =
              if b.length unread == 0 then hosts
              else if b.length nixosNames == 0 then b.head unread
              else prim.openAttrs "clan" "a module of the clan, its inventory or its machines could not be read by atelier-gen: the hosts they define are not seen" hosts;
            nixosModules = { };
            darwinConfigurations = { };
            darwinModules = { };
            clanInternals = unknown "clanInternals" "clan's internals are not read by atelier-gen";
          };
        in
        outputs;
      # `clan` returns what lib.evalModules does; its argument is a clan
      # module, its `self` the special argument `self`.
      clanFn = m: { config = evalClan (m.self or (unknown "self" "clan was given no `self`")) [ m ]; };
      # As clan-core's flake module, the clan (a submodule: each definition
      # a clan module) gets the flake's `self`.
      flakeModule = { config, self, ... }:
        let
          out = evalClan self (b.filter (d: d != null) [ ((attrsOr (config.flake or { })).clan or null) (config.clan or null) ]);
        in
        {
          flake = { inherit (out) nixosConfigurations nixosModules darwinConfigurations darwinModules clanInternals; };
        };
    in
    {
      lib = { clan = clanFn; buildClan = m: (clanFn m).config; };
      clanLib = { clan = clanFn; buildClan = m: (clanFn m).config; };
      flakeModules = { default = flakeModule; clan = flakeModule; };
      flakeModule = flakeModule;
    };
  # nixpkgs' real lib from its source, with `nixosSystem` kept as
  # atelier's host marker (NixOS itself is not evaluated statically). As
  # nixpkgs' flake.nix does, the host's modules get `final` as `lib` (the
  # flake's `lib.extend` overlays included), or the call's own `lib`.
  nixpkgsLib = src: (import (src + "/lib")).extend (final: prev: {
    nixosSystem = args:
      let moduleLib = args.lib or final;
      in lib0.nixosSystem args // {
        moduleLib = _: moduleLib;
        config = prim.hostConfig moduleLib args;
        extendModules = ext: final.nixosSystem (extendSystem args ext);
      };
  });
  # nixpkgs' package set for `system` as far as it is known without
  # building anything: `lib`, `path` (nixpkgs' source, so `import
  # (pkgs.path + "/nixos/lib/eval-config.nix")` is a host as colmena makes
  # it), `system`, the platforms (`lib.systems.elaborate system`) and
  # `stdenv`'s platform tests (`stdenv.isDarwin`,
  # `stdenv.hostPlatform.isLinux`). Every other attribute is `rest`'s (an
  # unknown that names itself).
  pkgsFor = lib: path: system: rest:
    let
      platform = lib.systems.elaborate system;
      tests = [
        "isLinux" "isDarwin" "isx86_64" "isx86_32" "isi686" "isAarch64" "isAarch32"
        "is64bit" "is32bit" "isBSD" "isFreeBSD" "isOpenBSD" "isCygwin" "isMusl"
        "isRiscV" "isPower" "isMips" "isBigEndian" "isLittleEndian"
      ];
    in
    rest // {
      inherit lib path system;
      hostPlatform = platform;
      buildPlatform = platform;
      targetPlatform = platform;
      stdenv = rest.stdenv
        // b.listToAttrs (map (n: { name = n; value = platform.${n} or rest.stdenv.${n}; }) tests)
        // {
          inherit system;
          hostPlatform = platform;
          buildPlatform = platform;
          targetPlatform = platform;
        };
    };
  # `import nixpkgs { system = …; … }`: the package set for the system it
  # names (`system`, `localSystem.system` or `localSystem` as a string);
  # with none, only `lib` is known (nixpkgs' default, `builtins.currentSystem`,
  # is missing in pure evaluation: Nix fails once it needs the system).
  nixpkgsImport = lib: path: rest: args:
    let
      local = args.localSystem or null;
      system =
        if args ? system then args.system
        else if b.isString local then local
        else if b.isAttrs local then local.system or null
        else null;
    in
    if b.isString system then pkgsFor lib path system rest
    else rest // { inherit lib path; };
  # numtide/flake-utils' `lib`: per-system outputs. `eachSystem` turns
  # what `f system` gives for each system into `<name>.<system>`: the
  # names are those `f`'s results have, its values are never read for a
  # host. Pure flake evaluation has no `builtins.currentSystem`, so no
  # system is added. `defaultSystems` is what its `systems` input
  # (nix-systems/default) lists; `allSystems` and `system` are
  # nixpkgs' platform list, which is not copied (`system.<name>` is
  # `<name>`, as there).
  flakeUtils =
    let
      eachSystem = systems: f:
        b.foldl'
          (acc: system:
            let out = f system; in
            b.foldl' (acc2: name: acc2 // { ${name} = (acc2.${name} or { }) // { ${system} = out.${name}; }; }) acc (b.attrNames out))
          { }
          systems;
      eachSystemMap = systems: f: b.listToAttrs (map (system: { name = system; value = f system; }) systems);
      defaultSystems = [ "aarch64-darwin" "aarch64-linux" "x86_64-darwin" "x86_64-linux" ];
      why = "is only part of numtide/flake-utils' lib that atelier-gen does not build in (pass flake-utils with --override-input or --fetch-inputs)";
    in
    {
      inherit eachSystem eachSystemMap defaultSystems;
      eachDefaultSystem = eachSystem defaultSystems;
      eachDefaultSystemMap = eachSystemMap defaultSystems;
      system = prim.openAttrs "flake-utils.lib.system"
        "flake-utils' `system` table holds every system nixpkgs knows, which atelier-gen does not copy"
        (b.listToAttrs (map (s: { name = s; value = s; }) (lib.systems.flakeExposed ++ defaultSystems)));
      allSystems = unknown "flake-utils.lib.allSystems" "flake-utils' `allSystems` is nixpkgs' list of every platform, which atelier-gen does not copy";
      flattenTree = unknown "flake-utils.lib.flattenTree" why;
      filterPackages = unknown "flake-utils.lib.filterPackages" why;
      meld = unknown "flake-utils.lib.meld" why;
      mkApp = unknown "flake-utils.lib.mkApp" why;
      simpleFlake = unknown "flake-utils.lib.simpleFlake" why;
      check-utils = unknown "flake-utils.lib.check-utils" why;
    };
  # `import "${nixpkgs}/nixos" { configuration; system; }`
  # (nixos/default.nix): a host, as nixos/lib/eval-config.nix makes it of
  # the one module `configuration` (`system = null` lets the modules set
  # `nixpkgs.hostPlatform`). Its default `configuration` reads
  # `NIXOS_CONFIG` and `<nixos-config>`, which pure evaluation has not.
  nixosEntry = lib: { configuration, system ? null }:
    lib.nixosSystem { inherit system; modules = [ configuration ]; };
  knowledge = {
    inherit lib nixpkgsLib nixosEntry mkSelf mkFlake importTree flake-parts-lib snowfall haumea ezConfigs nixosUnified clan pkgsFor nixpkgsImport flakeUtils;
    flakePartsModules.partitions = partitionsModule;
  };
in
knowledge
