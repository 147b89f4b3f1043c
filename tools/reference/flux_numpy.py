"""A second, independent FLUX.1 forward: numpy, float64, diffusers tensor names.

Used only to check flux_model.py.  It deliberately differs in formulation:
  * weights come in the diffusers layout (separate to_q/to_k/to_v, proj_mlp,
    norm_out.linear with (scale, shift) halves), so it also checks our BFL<->diffusers
    name conversion;
  * RoPE uses complex numbers x[2i] + i*x[2i+1] times exp(i*angle) instead of 2x2
    rotation matrices;
  * everything is float64, batch size 1.
Semantics follow diffusers FluxTransformer2DModel (FluxTransformerBlock,
FluxSingleTransformerBlock, AdaLayerNormZero/-Single/-Continuous,
CombinedTimestep[Guidance]TextProjEmbeddings, FluxPosEmbed), as summarised in
/work/shared/notes/models.md section 1.6.
"""

import numpy as np


def _lin(w, prefix, x, bias=True):
    y = x @ w[prefix + ".weight"].T
    return y + w[prefix + ".bias"] if bias else y


def _silu(x):
    return x / (1.0 + np.exp(-x))


def _gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def _layer_norm(x):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-6)


def _rms_norm(x, scale):
    return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-6) * scale


def timesteps_proj(t, dim=256):
    """diffusers Timesteps(256, flip_sin_to_cos=True, downscale_freq_shift=0) of 1000*t,
    exact (float64).  The float32 reference rounds the arguments 1000*t*freq_k (up to
    3500 for guidance 3.5) and so differs from this by up to ~3e-4 absolute."""
    half = dim // 2
    args = 1000.0 * t * np.exp(-np.log(10000.0) * np.arange(half) / half)
    return np.concatenate([np.cos(args), np.sin(args)])


def rope_rotors(ids, axes_dim, theta):
    """ids [L, n_axes] -> unit complex rotors [L, sum(axes_dim)/2], axes concatenated."""
    parts = []
    for i, d in enumerate(axes_dim):
        omega = theta ** (-np.arange(0, d, 2, dtype=np.float64) / d)
        parts.append(np.exp(1j * ids[:, i:i + 1] * omega[None, :]))
    return np.concatenate(parts, axis=1)


def _apply_rope(x, rot):
    """x [H, L, D]: pairs (x[2i], x[2i+1]) as one complex number, times rot [L, D/2]."""
    z = (x[..., 0::2] + 1j * x[..., 1::2]) * rot[None]
    out = np.empty_like(x)
    out[..., 0::2] = z.real
    out[..., 1::2] = z.imag
    return out


def _heads(x, n_heads):
    l, hd = x.shape
    return x.reshape(l, n_heads, hd // n_heads).transpose(1, 0, 2)


def _attend(q, k, v, rot):
    q, k = _apply_rope(q, rot), _apply_rope(k, rot)
    s = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
    s = np.exp(s - s.max(-1, keepdims=True))
    o = (s / s.sum(-1, keepdims=True)) @ v
    h, l, d = o.shape
    return o.transpose(1, 0, 2).reshape(l, h * d)


def _qkv(w, p, x, names, n_heads):
    q, k, v = (_heads(_lin(w, p + n, x), n_heads) for n in names[:3])
    q = _rms_norm(q, w[p + names[3] + ".weight"])
    k = _rms_norm(k, w[p + names[4] + ".weight"])
    return q, k, v


def forward(w, cfg, img, img_ids, txt, txt_ids, t, y, guidance=None, embs=None):
    """w: diffusers-named float64 arrays.  img [L_img, in], txt [L_txt, ctx], ids [L, 3],
    t and guidance scalars, y [vec_in_dim].  Returns [L_img, out_channels] float64.

    embs: optional (t_emb, g_emb) replacing timesteps_proj(t), timesteps_proj(guidance),
    to compare the rest of the network without the timestep embedding's rounding."""
    w = {k: np.asarray(v, dtype=np.float64) for k, v in w.items()}
    H = cfg["num_heads"]
    hidden = cfg["hidden_size"]
    te = "time_text_embed."

    def mlp_embed(p, x):
        return _lin(w, p + ".linear_2", _silu(_lin(w, p + ".linear_1", x)))

    if embs is None:
        embs = (timesteps_proj(t), timesteps_proj(guidance) if cfg["guidance_embed"] else None)
    temb = mlp_embed(te + "timestep_embedder", np.asarray(embs[0], dtype=np.float64))
    if cfg["guidance_embed"]:
        temb = temb + mlp_embed(te + "guidance_embedder", np.asarray(embs[1], dtype=np.float64))
    temb = temb + mlp_embed(te + "text_embedder", y)
    stemb = _silu(temb)

    hs = _lin(w, "x_embedder", img)
    es = _lin(w, "context_embedder", txt)
    rot = rope_rotors(np.concatenate([txt_ids, img_ids], 0), cfg["axes_dim"], cfg["theta"])
    n_txt = es.shape[0]

    for i in range(cfg["depth"]):
        p = f"transformer_blocks.{i}."
        m = np.split(_lin(w, p + "norm1.linear", stemb), 6)
        mc = np.split(_lin(w, p + "norm1_context.linear", stemb), 6)
        nh = _layer_norm(hs) * (1 + m[1]) + m[0]
        ne = _layer_norm(es) * (1 + mc[1]) + mc[0]
        q, k, v = _qkv(w, p + "attn.", nh, ("to_q", "to_k", "to_v", "norm_q", "norm_k"), H)
        qe, ke, ve = _qkv(w, p + "attn.", ne, ("add_q_proj", "add_k_proj", "add_v_proj",
                                               "norm_added_q", "norm_added_k"), H)
        o = _attend(np.concatenate([qe, q], 1), np.concatenate([ke, k], 1),
                    np.concatenate([ve, v], 1), rot)
        hs = hs + m[2] * _lin(w, p + "attn.to_out.0", o[n_txt:])
        es = es + mc[2] * _lin(w, p + "attn.to_add_out", o[:n_txt])
        ff_in = _layer_norm(hs) * (1 + m[4]) + m[3]
        hs = hs + m[5] * _lin(w, p + "ff.net.2", _gelu_tanh(_lin(w, p + "ff.net.0.proj", ff_in)))
        ff_in = _layer_norm(es) * (1 + mc[4]) + mc[3]
        es = es + mc[5] * _lin(w, p + "ff_context.net.2",
                               _gelu_tanh(_lin(w, p + "ff_context.net.0.proj", ff_in)))

    x = np.concatenate([es, hs], 0)
    for i in range(cfg["depth_single_blocks"]):
        p = f"single_transformer_blocks.{i}."
        shift, scale, gate = np.split(_lin(w, p + "norm.linear", stemb), 3)
        nx = _layer_norm(x) * (1 + scale) + shift
        mlp = _gelu_tanh(_lin(w, p + "proj_mlp", nx))
        q, k, v = _qkv(w, p + "attn.", nx, ("to_q", "to_k", "to_v", "norm_q", "norm_k"), H)
        o = _attend(q, k, v, rot)
        x = x + gate * _lin(w, p + "proj_out", np.concatenate([o, mlp], 1))

    scale, shift = np.split(_lin(w, "norm_out.linear", stemb), 2)  # diffusers: scale first
    assert scale.shape[0] == hidden
    x = _layer_norm(x[n_txt:]) * (1 + scale) + shift
    return _lin(w, "proj_out", x)
