"""make lint: no function in lib/ takes more than LIMIT parameters (self and cls not counted; *args
and **kwargs count one each). Prints the largest count found and every function over the limit."""
import ast
import os
import sys

LIMIT = 5


def counts(root):
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "_vendor")
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), path)
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    a = node.args
                    names = [p.arg for p in getattr(a, "posonlyargs", []) + a.args + a.kwonlyargs]
                    n = len([p for p in names if p not in ("self", "cls")]) + bool(a.vararg) + bool(a.kwarg)
                    yield n, "{}:{} {}".format(path, node.lineno, node.name)


def main(root):
    found = sorted(counts(root), reverse=True)
    over = [where for n, where in found if n > LIMIT]
    print("largest parameter count in {}: {} ({})".format(root, found[0][0], found[0][1]))
    for where in over:
        print("over {}: {}".format(LIMIT, where))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "lib"))
