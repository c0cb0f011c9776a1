{ outputs = { self, ... }: { lib = import ./lib; }; }
