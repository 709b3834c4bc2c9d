"""Checkpoint interop for the zoo's ResNets, both ways (used by test/models/resnet-torch.test.ts).

  resnet_interop.py load MODEL CKPT INPUT OUT   kdgrad's checkpoint -> torch (strict); logits of
                                               INPUT (a safetensors file with 'x') -> OUT
  resnet_interop.py make MODEL SEED INPUT OUT   a torch-initialised net, trained one step so BN
                                               statistics move; its state dict and its eval
                                               logits of INPUT -> OUT
"""
import sys

import torch

from kdgrad_torch import build, load_safetensors, save_safetensors

torch.set_num_threads(1)
cmd, name = sys.argv[1], sys.argv[2]
model = build(name)
if cmd == 'load':
    state, _ = load_safetensors(sys.argv[3])
    model.load_state_dict(state, strict=True)
    x = load_safetensors(sys.argv[4])[0]['x']
    model.eval()
    with torch.no_grad():
        # the logits, and every buffer as PyTorch now holds it (BatchNorm statistics and counters)
        out = {'logits': model(x)}
        out.update({f'buffer.{k}': v for k, v in model.state_dict().items() if 'running' in k or 'num_batches' in k})
        save_safetensors(sys.argv[5], out)
elif cmd == 'make':
    torch.manual_seed(int(sys.argv[3]))
    x = load_safetensors(sys.argv[4])[0]['x']
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    loss = model(x).logsumexp(1).mean()
    loss.backward()
    opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(x)
    out = {k: v for k, v in model.state_dict().items()}
    out['__logits__'] = logits
    save_safetensors(sys.argv[5], out)
else:
    raise SystemExit(__doc__)
