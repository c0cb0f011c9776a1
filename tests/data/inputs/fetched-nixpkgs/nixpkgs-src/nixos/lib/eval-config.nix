{ modules ? [ ], ... }: { inherit modules; }
