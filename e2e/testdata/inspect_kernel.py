"""Asks the GoNB kernel for contextual help, as JupyterLab's Shift+Tab and its Contextual Help
panel do: an inspect_request over the kernel protocol (jupyter_client), no front end.

usage: python inspect_kernel.py REQUEST.json

REQUEST.json: {"cwd": dir to start the kernel in (the notebook's folder),
               "execute": [code cells to run first, in order (the notebook's setup)],
               "code": the cell to inspect, "cursor_pos": the cursor in it (code points)}
Prints the inspect_reply's content as JSON on stdout; exits 1 (with the cell's outputs on
stderr) when a cell of "execute" fails, 2 when the kernel does not answer.
"""

import json
import queue
import sys

from jupyter_client.manager import start_new_kernel

TIMEOUT = 300  # seconds per step: GoNB compiles a cell on first run, gopls loads the module
ATTEMPTS = 4


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        req = json.load(f)
    km, kc = start_new_kernel(kernel_name="gonb", cwd=req["cwd"], startup_timeout=120)
    try:
        for code in req["execute"]:
            outputs = []
            reply = kc.execute_interactive(code, timeout=TIMEOUT, output_hook=outputs.append)
            if reply["content"]["status"] != "ok":
                print("cell failed:", json.dumps(reply["content"]), file=sys.stderr)
                for msg in outputs:
                    print(json.dumps(msg["content"]), file=sys.stderr)
                return 1
        # GoNB gives gopls 8 s per request; the first one in a kernel may need longer (gopls
        # loads the module) and come back as "context deadline exceeded": ask again, as an
        # analyst pressing Shift+Tab again does.
        for attempt in range(1, ATTEMPTS + 1):
            msg_id = kc.inspect(req["code"], req["cursor_pos"], detail_level=0)
            while True:
                reply = kc.get_shell_msg(timeout=TIMEOUT)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            text = reply["content"].get("data", {}).get("text/plain", "")
            if "deadline exceeded" not in text:
                break
            print(f"inspect attempt {attempt}: {text.strip()}", file=sys.stderr)
        json.dump(reply["content"], sys.stdout)
        return 0
    except (TimeoutError, queue.Empty) as e:
        print("no answer from the kernel:", e, file=sys.stderr)
        return 2
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    sys.exit(main())
