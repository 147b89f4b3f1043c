"""FLUX.1 transformer in plain PyTorch, written from black-forest-labs/flux.

Re-implements src/flux/model.py, src/flux/modules/layers.py and src/flux/math.py
(see /work/shared/notes/models.md section 1).  Module attribute names follow the
original exactly, so state_dict() keys are the official safetensors tensor names
(img_in.weight, double_blocks.0.img_attn.qkv.weight, final_layer.adaLN_modulation.1.bias ...).

Differences from the original that do not change the numbers:
  * attention is written out (softmax(q k^T / sqrt(D)) v) because Debian's torch 1.13
    has no scaled_dot_product_attention;
  * einops.rearrange is spelled with view/permute;
  * forward() can record intermediates into a dict for golden dumps.
Everything runs in float32 (float64 for the RoPE angles, as upstream).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

# Fields of FluxParams (model.py); out_channels defaults to in_channels when absent.
PARAM_KEYS = ("in_channels", "out_channels", "vec_in_dim", "context_in_dim", "hidden_size",
              "mlp_ratio", "num_heads", "depth", "depth_single_blocks", "axes_dim", "theta",
              "qkv_bias", "guidance_embed")


def timestep_embedding(t, dim, max_period=10000, time_factor=1000.0):
    """layers.py::timestep_embedding: t is scaled by 1000 first, output is cat(cos, sin).

    t: [N] float32.  freqs_k = exp(-ln(max_period) * k / half), k = 0..half-1.
    """
    t = time_factor * t
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32, device=t.device) / half)
    args = t[:, None].float() * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb.to(t)


def rope(pos, dim, theta):
    """math.py::rope: per position, dim/2 rotation matrices [[cos, -sin], [sin, cos]].

    pos: [B, L] -> [B, L, dim/2, 2, 2] float32; angles computed in float64.
    """
    assert dim % 2 == 0
    scale = torch.arange(0, dim, 2, dtype=torch.float64, device=pos.device) / dim
    omega = 1.0 / (theta ** scale)
    out = pos.double()[..., None] * omega
    out = torch.stack([torch.cos(out), -torch.sin(out), torch.sin(out), torch.cos(out)], dim=-1)
    return out.view(*out.shape[:-1], 2, 2).float()


def apply_rope(xq, xk, freqs_cis):
    """math.py::apply_rope: adjacent pairs (x[2i], x[2i+1]) rotated (interleaved convention)."""
    xq_ = xq.float().reshape(*xq.shape[:-1], -1, 1, 2)
    xk_ = xk.float().reshape(*xk.shape[:-1], -1, 1, 2)
    xq_out = freqs_cis[..., 0] * xq_[..., 0] + freqs_cis[..., 1] * xq_[..., 1]
    xk_out = freqs_cis[..., 0] * xk_[..., 0] + freqs_cis[..., 1] * xk_[..., 1]
    return xq_out.reshape(*xq.shape).type_as(xq), xk_out.reshape(*xk.shape).type_as(xk)


def attention(q, k, v, pe):
    """math.py::attention with the SDPA call written out.  q, k, v: [B, H, L, D] -> [B, L, H*D]."""
    q, k = apply_rope(q, k, pe)
    scores = torch.matmul(q, k.transpose(-2, -1)) * (q.shape[-1] ** -0.5)
    x = torch.matmul(torch.softmax(scores, dim=-1), v)
    b, h, l, d = x.shape
    return x.permute(0, 2, 1, 3).reshape(b, l, h * d)


def split_qkv(qkv, num_heads):
    """rearrange(qkv, "B L (K H D) -> K B H L D", K=3, H=num_heads)."""
    b, l, kd = qkv.shape
    d = kd // (3 * num_heads)
    x = qkv.view(b, l, 3, num_heads, d).permute(2, 0, 3, 1, 4)
    return x[0], x[1], x[2]


class EmbedND(nn.Module):
    def __init__(self, dim, theta, axes_dim):
        super().__init__()
        self.dim = dim
        self.theta = theta
        self.axes_dim = axes_dim

    def forward(self, ids):
        """ids: [B, L, n_axes] -> pe [B, 1, L, sum(axes_dim)/2, 2, 2]; axes concatenated in order."""
        n_axes = ids.shape[-1]
        emb = torch.cat([rope(ids[..., i], self.axes_dim[i], self.theta) for i in range(n_axes)],
                        dim=-3)
        return emb.unsqueeze(1)


class MLPEmbedder(nn.Module):
    def __init__(self, in_dim, hidden_dim):
        super().__init__()
        self.in_layer = nn.Linear(in_dim, hidden_dim, bias=True)
        self.silu = nn.SiLU()
        self.out_layer = nn.Linear(hidden_dim, hidden_dim, bias=True)

    def forward(self, x):
        return self.out_layer(self.silu(self.in_layer(x)))


class RMSNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        x_dtype = x.dtype
        x = x.float()
        rrms = torch.rsqrt(torch.mean(x ** 2, dim=-1, keepdim=True) + 1e-6)
        return (x * rrms).to(dtype=x_dtype) * self.scale


class QKNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.query_norm = RMSNorm(dim)
        self.key_norm = RMSNorm(dim)

    def forward(self, q, k, v):
        return self.query_norm(q).to(v), self.key_norm(k).to(v)


class SelfAttention(nn.Module):
    """Holds qkv / norm / proj for one stream of a double block (its forward is unused upstream too)."""

    def __init__(self, dim, num_heads, qkv_bias):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.norm = QKNorm(dim // num_heads)
        self.proj = nn.Linear(dim, dim)


class Modulation(nn.Module):
    """Linear(SiLU(vec)) chunked into (shift, scale, gate) [x2 for double blocks]."""

    def __init__(self, dim, double):
        super().__init__()
        self.is_double = double
        self.multiplier = 6 if double else 3
        self.lin = nn.Linear(dim, self.multiplier * dim, bias=True)

    def forward(self, vec):
        out = self.lin(F.silu(vec))[:, None, :].chunk(self.multiplier, dim=-1)
        return out[:3], (out[3:] if self.is_double else None)


def layer_norm(x):
    return F.layer_norm(x, (x.shape[-1],), eps=1e-6)


def gelu_tanh(x):
    return F.gelu(x, approximate="tanh")


class DoubleStreamBlock(nn.Module):
    def __init__(self, hidden_size, num_heads, mlp_ratio, qkv_bias):
        super().__init__()
        mlp_hidden = int(hidden_size * mlp_ratio)
        self.num_heads = num_heads
        for s in ("img", "txt"):
            setattr(self, f"{s}_mod", Modulation(hidden_size, double=True))
            setattr(self, f"{s}_attn", SelfAttention(hidden_size, num_heads, qkv_bias))
            setattr(self, f"{s}_mlp", nn.Sequential(
                nn.Linear(hidden_size, mlp_hidden, bias=True),
                nn.GELU(approximate="tanh"),
                nn.Linear(mlp_hidden, hidden_size, bias=True)))

    def _prepare(self, stream, x, mod1):
        shift, scale, _ = mod1
        attn = getattr(self, f"{stream}_attn")
        xm = (1 + scale) * layer_norm(x) + shift
        q, k, v = split_qkv(attn.qkv(xm), self.num_heads)
        q, k = attn.norm(q, k, v)
        return q, k, v

    def _finish(self, stream, x, a, mod1, mod2):
        attn = getattr(self, f"{stream}_attn")
        mlp = getattr(self, f"{stream}_mlp")
        x = x + mod1[2] * attn.proj(a)
        return x + mod2[2] * mlp((1 + mod2[1]) * layer_norm(x) + mod2[0])

    def forward(self, img, txt, vec, pe):
        img_mod1, img_mod2 = self.img_mod(vec)
        txt_mod1, txt_mod2 = self.txt_mod(vec)
        img_q, img_k, img_v = self._prepare("img", img, img_mod1)
        txt_q, txt_k, txt_v = self._prepare("txt", txt, txt_mod1)
        # joint attention over the sequence, TEXT FIRST
        q = torch.cat((txt_q, img_q), dim=2)
        k = torch.cat((txt_k, img_k), dim=2)
        v = torch.cat((txt_v, img_v), dim=2)
        a = attention(q, k, v, pe)
        n_txt = txt.shape[1]
        img = self._finish("img", img, a[:, n_txt:], img_mod1, img_mod2)
        txt = self._finish("txt", txt, a[:, :n_txt], txt_mod1, txt_mod2)
        return img, txt


class SingleStreamBlock(nn.Module):
    """Parallel attention + MLP: linear1 -> (qkv | mlp), linear2(cat(attn, gelu(mlp)))."""

    def __init__(self, hidden_size, num_heads, mlp_ratio):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_heads = num_heads
        self.mlp_hidden = int(hidden_size * mlp_ratio)
        self.linear1 = nn.Linear(hidden_size, hidden_size * 3 + self.mlp_hidden)
        self.linear2 = nn.Linear(hidden_size + self.mlp_hidden, hidden_size)
        self.norm = QKNorm(hidden_size // num_heads)
        self.modulation = Modulation(hidden_size, double=False)

    def forward(self, x, vec, pe):
        (shift, scale, gate), _ = self.modulation(vec)
        x_mod = (1 + scale) * layer_norm(x) + shift
        qkv, mlp = torch.split(self.linear1(x_mod), [3 * self.hidden_size, self.mlp_hidden], dim=-1)
        q, k, v = split_qkv(qkv, self.num_heads)
        q, k = self.norm(q, k, v)
        a = attention(q, k, v, pe)
        out = self.linear2(torch.cat((a, gelu_tanh(mlp)), 2))
        return x + gate * out


class LastLayer(nn.Module):
    def __init__(self, hidden_size, out_channels):
        super().__init__()
        self.linear = nn.Linear(hidden_size, out_channels, bias=True)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden_size, 2 * hidden_size))

    def forward(self, x, vec):
        shift, scale = self.adaLN_modulation(vec).chunk(2, dim=1)  # shift FIRST
        x = (1 + scale[:, None, :]) * layer_norm(x) + shift[:, None, :]
        return self.linear(x)


class Flux(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = dict(p)
        self.p.setdefault("out_channels", p["in_channels"])
        hidden, heads = p["hidden_size"], p["num_heads"]
        if hidden % heads:
            raise ValueError("hidden_size must be divisible by num_heads")
        if sum(p["axes_dim"]) != hidden // heads:
            raise ValueError("sum(axes_dim) must equal the head dim")
        self.pe_embedder = EmbedND(hidden // heads, p["theta"], p["axes_dim"])
        self.img_in = nn.Linear(p["in_channels"], hidden, bias=True)
        self.time_in = MLPEmbedder(256, hidden)
        self.vector_in = MLPEmbedder(p["vec_in_dim"], hidden)
        if p["guidance_embed"]:
            self.guidance_in = MLPEmbedder(256, hidden)
        self.txt_in = nn.Linear(p["context_in_dim"], hidden)
        self.double_blocks = nn.ModuleList(
            [DoubleStreamBlock(hidden, heads, p["mlp_ratio"], p["qkv_bias"])
             for _ in range(p["depth"])])
        self.single_blocks = nn.ModuleList(
            [SingleStreamBlock(hidden, heads, p["mlp_ratio"])
             for _ in range(p["depth_single_blocks"])])
        self.final_layer = LastLayer(hidden, self.p["out_channels"])

    def forward(self, img, img_ids, txt, txt_ids, timesteps, y, guidance=None, trace=None):
        """Flux.forward.  img [B, L_img, in], txt [B, L_txt, ctx], ids [B, L, 3], timesteps [B]
        in [0, 1], y [B, vec_in_dim], guidance [B] or None.  Returns [B, L_img, out_channels].

        trace: optional dict that receives the intermediates named in flux_ref.TRACE_DOC.
        """
        tr = trace if trace is not None else {}
        img = self.img_in(img)
        tr["img_in"] = img
        t_emb = timestep_embedding(timesteps, 256)
        tr["t_emb"] = t_emb
        vec = self.time_in(t_emb)
        if self.p["guidance_embed"]:
            if guidance is None:
                raise ValueError("guidance-distilled model needs a guidance value")
            g_emb = timestep_embedding(guidance, 256)
            tr["g_emb"] = g_emb
            vec = vec + self.guidance_in(g_emb)
        vec = vec + self.vector_in(y)
        tr["vec"] = vec
        txt = self.txt_in(txt)
        tr["txt_in"] = txt
        pe = self.pe_embedder(torch.cat((txt_ids, img_ids), dim=1))
        tr["pe"] = pe
        for i, block in enumerate(self.double_blocks):
            img, txt = block(img=img, txt=txt, vec=vec, pe=pe)
            tr[f"double{i}_img"], tr[f"double{i}_txt"] = img, txt
        n_txt = txt.shape[1]
        x = torch.cat((txt, img), 1)
        for i, block in enumerate(self.single_blocks):
            x = block(x, vec=vec, pe=pe)
            tr[f"single{i}_x"] = x
        out = self.final_layer(x[:, n_txt:, ...], vec)
        tr["out"] = out
        return out


def pack_latent(x):
    """sampling.py: "b c (h ph) (w pw) -> b (h w) (c ph pw)", ph = pw = 2."""
    b, c, hh, ww = x.shape
    h, w = hh // 2, ww // 2
    return x.reshape(b, c, h, 2, w, 2).permute(0, 2, 4, 1, 3, 5).reshape(b, h * w, c * 4)


def pack_fill_mask(mask):
    """prepare_fill: mask [b, H, W] (pixels, H = 16 h) -> "b (h ph) (w pw) -> b (ph pw) h w"
    with ph = pw = 8, then packed like a latent: [b, (H/16)(W/16), 256]."""
    b, hh, ww = mask.shape
    h, w = hh // 8, ww // 8
    m = mask.reshape(b, h, 8, w, 8).permute(0, 2, 4, 1, 3).reshape(b, 64, h, w)
    return pack_latent(m)


def make_ids(grid_h, grid_w, n_txt, batch=1):
    """sampling.py::prepare: img_ids[r, c] = (0, r, c) row-major; txt_ids all zero."""
    img_ids = torch.zeros(grid_h, grid_w, 3)
    img_ids[..., 1] = img_ids[..., 1] + torch.arange(grid_h)[:, None]
    img_ids[..., 2] = img_ids[..., 2] + torch.arange(grid_w)[None, :]
    img_ids = img_ids.reshape(1, grid_h * grid_w, 3).repeat(batch, 1, 1)
    txt_ids = torch.zeros(batch, n_txt, 3)
    return img_ids, txt_ids
