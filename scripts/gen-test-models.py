#!/usr/bin/python3
"""Generate the tiny random-weight test models in native-models/test-models/.

Run with Debian's python (apt-get install python3-onnx; it has numpy):  /usr/bin/python3 scripts/gen-test-models.py

Each model is written in the exact on-disk layout of the real model it stands for, as transformers.js
expects it (config.json, tokenizer.json + tokenizer_config.json, preprocessor_config.json where relevant,
onnx/<name>.onnx with the real input and output names), so the tests drive exactly the code path real
models take. Weights are random (fixed seed) with a few planted rows where a test needs a known answer
(the NER model tags "john smith" as a patient name and digits as a date). Vocabularies are tiny, so each
model is a few kilobytes. Output is deterministic: re-running only changes files when this script changes.

JSON files are passed through the repository's prettier (node must be on PATH) before they are hashed, so
`prettier --write .` leaves them, and their pinned hashes, unchanged.

Each folder also gets medprep.json, the model's manifest with the SHA-256 of every file, the same way a
user pins their own copy of a real model.
"""
import hashlib
import json
import os
import shutil
import subprocess

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'native-models', 'test-models')
OPSET = 14
RNG = np.random.default_rng(20240611)

LETTERS = list('abcdefghijklmnopqrstuvwxyz')
ACCENTED = list('áéíóúñü')
DIGITS = list('0123456789')
PUNCT = list('.,:;-/()?!\'"')
WORDS = [
    'the', 'patient', 'john', 'smith', 'maria', 'garcia', 'was', 'seen', 'at', 'hospital', 'on', 'mr', 'dr',
    'chest', 'x', 'ray', 'normal', 'no', 'effusion', 'lung', 'left', 'right', 'pneumonia', 'a', 'of', 'with',
    'and', 'in', 'is', 'heart', 'size', 'clear', 'lungs', 'findings', 'impression', 'image', 'photo', 'rewrite',
    'report', 'el', 'la', 'paciente', 'sin', 'derrame', 'pulmón', 'normal', 'radiografía', 'de', 'tórax',
]


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def rand(*shape, scale=0.5):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def save_model(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)], producer_name='medprep-gen')
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(model.SerializeToString())


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write('\n')


def unique(seq):
    seen = set()
    return [x for x in seq if not (x in seen or seen.add(x))]


# ---------------------------------------------------------------- tokenizers (tokenizer.json format)


def wordpiece_vocab(specials):
    pieces = specials + unique(WORDS + LETTERS + ACCENTED + DIGITS + PUNCT)
    pieces += ['##' + c for c in LETTERS + ACCENTED + DIGITS] + ['##s', '##ing', '##ed']
    return {p: i for i, p in enumerate(unique(pieces))}


def added(vocab, specials):
    return [
        {'id': vocab[s], 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False,
         'normalized': False, 'special': True}
        for s in specials
    ]


def bert_tokenizer(vocab, specials, single, pair=None):
    """A BERT WordPiece tokenizer.json; `single` is the post-processor template, e.g. [CLS] $A [SEP]."""

    def template(items):
        out = []
        for it in items:
            if it.startswith('$'):
                out.append({'Sequence': {'id': it[1:], 'type_id': 0}})
            else:
                out.append({'SpecialToken': {'id': it, 'type_id': 0}})
        return out

    tpl = single.split()
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': added(vocab, specials),
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                       'strip_accents': False, 'lowercase': True},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': template(tpl),
            'pair': template((pair or single + ' $B').split()),
            'special_tokens': {s: {'id': s, 'ids': [vocab[s]], 'tokens': [s]} for s in specials if s in tpl},
        },
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]' if '[UNK]' in vocab else '<unk>',
                  'continuing_subword_prefix': '##', 'max_input_chars_per_word': 100, 'vocab': vocab},
    }


def bert_tokenizer_config(max_len=64, cls='BertTokenizer'):
    return {
        'tokenizer_class': cls, 'do_lower_case': True, 'model_max_length': max_len, 'clean_up_tokenization_spaces': True,
        'cls_token': '[CLS]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'unk_token': '[UNK]', 'mask_token': '[MASK]',
    }


def unigram_tokenizer(specials):
    """A SentencePiece-style Unigram tokenizer.json, as converted for Marian (OPUS-MT) models."""
    pieces = [(s, 0.0) for s in specials]
    words = unique(WORDS + ['the', 'patient', 'no', 'effusion', 'normal', 'lung', 'chest', 'without'])
    pieces += [('▁' + w, -3.0 - 0.01 * i) for i, w in enumerate(words)]
    pieces += [('▁', -6.0)] + [(c, -8.0) for c in LETTERS + ACCENTED + DIGITS + PUNCT]
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [
            {'id': i, 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False,
             'special': True}
            for i, s in enumerate(specials)
        ],
        'normalizer': {'type': 'Lowercase'},
        'pre_tokenizer': {'type': 'Metaspace', 'replacement': '▁', 'prepend_scheme': 'always', 'split': True},
        'post_processor': {
            'type': 'TemplateProcessing',
            'single': [{'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
            'pair': [{'Sequence': {'id': 'A', 'type_id': 0}}, {'Sequence': {'id': 'B', 'type_id': 0}},
                     {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
            'special_tokens': {'</s>': {'id': '</s>', 'ids': [specials.index('</s>')], 'tokens': ['</s>']}},
        },
        'decoder': {'type': 'Metaspace', 'replacement': '▁', 'prepend_scheme': 'always', 'split': True},
        'model': {'type': 'Unigram', 'unk_id': specials.index('<unk>'), 'vocab': [list(p) for p in pieces],
                  'byte_fallback': False},
    }, len(pieces)


# ---------------------------------------------------------------- graph helpers


def embed_nodes(prefix, ids_name, table, out):
    return [helper.make_node('Gather', [table, ids_name], [out], name=f'{prefix}_gather')]


def masked_mean(prefix, hidden, mask, out, axis=1):
    """out[B,H] = sum(hidden * mask) / sum(mask) over the sequence axis."""
    return [
        helper.make_node('Cast', [mask], [f'{prefix}_maskf'], to=TensorProto.FLOAT),
        helper.make_node('Unsqueeze', [f'{prefix}_maskf', f'{prefix}_axis_last'], [f'{prefix}_mask3']),
        helper.make_node('Mul', [hidden, f'{prefix}_mask3'], [f'{prefix}_masked']),
        helper.make_node('ReduceSum', [f'{prefix}_masked', f'{prefix}_axis_seq'], [f'{prefix}_sum'], keepdims=0),
        helper.make_node('ReduceSum', [f'{prefix}_mask3', f'{prefix}_axis_seq'], [f'{prefix}_count'], keepdims=0),
        helper.make_node('Max', [f'{prefix}_count', f'{prefix}_eps'], [f'{prefix}_count_safe']),
        helper.make_node('Div', [f'{prefix}_sum', f'{prefix}_count_safe'], [out]),
    ], [
        tensor(f'{prefix}_axis_last', np.array([-1], dtype=np.int64)),
        tensor(f'{prefix}_axis_seq', np.array([axis], dtype=np.int64)),
        tensor(f'{prefix}_eps', np.array([1e-6], dtype=np.float32)),
    ]


def int_input(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.INT64, dims)


def float_io(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


# ---------------------------------------------------------------- models

NER_LABELS = ['O', 'B-PATIENT', 'I-PATIENT', 'B-DATE', 'I-DATE']


def gen_ner(folder):
    specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    vocab = wordpiece_vocab(specials)
    v, h, n = len(vocab), 16, len(NER_LABELS)
    # Planted answers (the test's known truth): names → patient, digits and date separators → date.
    table = rand(v, n, scale=0.3)
    table[:, 0] += 2.0
    for w, lab in [('john', 1), ('maria', 1), ('smith', 2), ('garcia', 2)]:
        table[vocab[w]] = 0
        table[vocab[w], lab] = 6.0
    for d in DIGITS:
        for p in [d, '##' + d]:
            table[vocab[p]] = 0
            table[vocab[p], 3 if p == d else 4] = 6.0
    for p in ['-', '/']:
        table[vocab[p]] = 0
        table[vocab[p], 4] = 6.0
    nodes = [
        helper.make_node('Gather', ['label_table', 'input_ids'], ['planted']),
        helper.make_node('Gather', ['word_embeddings', 'input_ids'], ['we']),
        helper.make_node('Gather', ['token_type_embeddings', 'token_type_ids'], ['te']),
        helper.make_node('Add', ['we', 'te'], ['emb']),
        helper.make_node('Tanh', ['emb'], ['hidden']),
        helper.make_node('MatMul', ['hidden', 'classifier_w'], ['noise']),
        helper.make_node('Add', ['planted', 'noise'], ['logits_raw']),
        helper.make_node('Cast', ['attention_mask'], ['maskf'], to=TensorProto.FLOAT),
        helper.make_node('Unsqueeze', ['maskf', 'axis_last'], ['mask3']),
        helper.make_node('Mul', ['logits_raw', 'mask3'], ['logits']),
    ]
    inits = [
        tensor('label_table', table), tensor('word_embeddings', rand(v, h)), tensor('token_type_embeddings', rand(2, h)),
        tensor('classifier_w', rand(h, n, scale=0.1)), tensor('axis_last', np.array([-1], dtype=np.int64)),
    ]
    graph = helper.make_graph(
        nodes, 'tiny_bert_token_classification',
        [int_input('input_ids', ['batch_size', 'sequence_length']),
         int_input('attention_mask', ['batch_size', 'sequence_length']),
         int_input('token_type_ids', ['batch_size', 'sequence_length'])],
        [float_io('logits', ['batch_size', 'sequence_length', n])], inits)
    save_model(graph, os.path.join(folder, 'onnx', 'model.onnx'))
    write_json(os.path.join(folder, 'config.json'), {
        'architectures': ['BertForTokenClassification'], 'model_type': 'bert', 'vocab_size': v, 'hidden_size': h,
        'num_hidden_layers': 1, 'num_attention_heads': 2, 'intermediate_size': 32, 'max_position_embeddings': 64,
        'type_vocab_size': 2, 'pad_token_id': 0,
        'id2label': {str(i): l for i, l in enumerate(NER_LABELS)},
        'label2id': {l: i for i, l in enumerate(NER_LABELS)},
    })
    write_json(os.path.join(folder, 'tokenizer.json'), bert_tokenizer(vocab, specials, '[CLS] $A [SEP]'))
    write_json(os.path.join(folder, 'tokenizer_config.json'), bert_tokenizer_config())
    return {
        'task': 'token-classification', 'architecture': 'bert', 'dtype': 'fp32',
        'name': 'Tiny BERT NER (test model standing for a radiology de-identification model)',
        'inputs': [
            {'name': 'input_ids', 'type': 'int64', 'shape': ['batch', 'sequence']},
            {'name': 'attention_mask', 'type': 'int64', 'shape': ['batch', 'sequence']},
            {'name': 'token_type_ids', 'type': 'int64', 'shape': ['batch', 'sequence']},
        ],
        'outputs': [{'name': 'logits', 'type': 'float32', 'shape': ['batch', 'sequence', n]}],
        'preprocessing': {'tokenizer': 'WordPiece, lower-cased', 'maxLength': 64},
        'labels': NER_LABELS,
    }


def gen_text_embed(folder):
    specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    vocab = wordpiece_vocab(specials)
    v, h = len(vocab), 24
    nodes = [
        helper.make_node('Gather', ['word_embeddings', 'input_ids'], ['we']),
        helper.make_node('Gather', ['token_type_embeddings', 'token_type_ids'], ['te']),
        helper.make_node('Add', ['we', 'te'], ['emb']),
        helper.make_node('MatMul', ['emb', 'dense_w'], ['proj']),
        helper.make_node('Tanh', ['proj'], ['last_hidden_state']),
    ]
    inits = [tensor('word_embeddings', rand(v, h)), tensor('token_type_embeddings', rand(2, h)),
             tensor('dense_w', rand(h, h))]
    graph = helper.make_graph(
        nodes, 'tiny_bert_feature_extraction',
        [int_input('input_ids', ['batch_size', 'sequence_length']),
         int_input('attention_mask', ['batch_size', 'sequence_length']),
         int_input('token_type_ids', ['batch_size', 'sequence_length'])],
        [float_io('last_hidden_state', ['batch_size', 'sequence_length', h])], inits)
    save_model(graph, os.path.join(folder, 'onnx', 'model.onnx'))
    write_json(os.path.join(folder, 'config.json'), {
        'architectures': ['BertModel'], 'model_type': 'bert', 'vocab_size': v, 'hidden_size': h,
        'num_hidden_layers': 1, 'num_attention_heads': 2, 'intermediate_size': 32, 'max_position_embeddings': 64,
        'type_vocab_size': 2, 'pad_token_id': 0,
    })
    write_json(os.path.join(folder, 'tokenizer.json'), bert_tokenizer(vocab, specials, '[CLS] $A [SEP]'))
    write_json(os.path.join(folder, 'tokenizer_config.json'), bert_tokenizer_config())
    return {
        'task': 'feature-extraction', 'architecture': 'bert', 'dtype': 'fp32',
        'name': 'Tiny BERT sentence embeddings (test model)',
        'inputs': [
            {'name': 'input_ids', 'type': 'int64', 'shape': ['batch', 'sequence']},
            {'name': 'attention_mask', 'type': 'int64', 'shape': ['batch', 'sequence']},
            {'name': 'token_type_ids', 'type': 'int64', 'shape': ['batch', 'sequence']},
        ],
        'outputs': [{'name': 'last_hidden_state', 'type': 'float32', 'shape': ['batch', 'sequence', h]}],
        'preprocessing': {'tokenizer': 'WordPiece, lower-cased', 'pooling': 'mean', 'normalize': True, 'maxLength': 64},
    }


def gen_clip(folder):
    specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    vocab = wordpiece_vocab(specials)
    v, h, p, px = len(vocab), 16, 8, 16
    # Text tower: masked mean of token embeddings, projected.
    mean_nodes, mean_inits = masked_mean('tm', 'we', 'attention_mask', 'pooled')
    text_nodes = [helper.make_node('Gather', ['word_embeddings', 'input_ids'], ['we'])] + mean_nodes + [
        helper.make_node('MatMul', ['we', 'text_hidden_w'], ['last_hidden_state']),
        helper.make_node('MatMul', ['pooled', 'text_projection'], ['text_embeds']),
    ]
    text_graph = helper.make_graph(
        text_nodes, 'tiny_clip_text_with_projection',
        [int_input('input_ids', ['batch_size', 'sequence_length']),
         int_input('attention_mask', ['batch_size', 'sequence_length'])],
        [float_io('text_embeds', ['batch_size', p]), float_io('last_hidden_state', ['batch_size', 'sequence_length', h])],
        [tensor('word_embeddings', rand(v, h)), tensor('text_hidden_w', rand(h, h)),
         tensor('text_projection', rand(h, p))] + mean_inits)
    save_model(text_graph, os.path.join(folder, 'onnx', 'text_model.onnx'))
    # Vision tower: 4x4 patches (a strided conv, like a ViT patch embedding), mean-pooled, projected.
    vision_nodes = [
        helper.make_node('Conv', ['pixel_values', 'patch_w'], ['patches'], kernel_shape=[4, 4], strides=[4, 4]),
        helper.make_node('Tanh', ['patches'], ['patches_act']),
        helper.make_node('Reshape', ['patches_act', 'flat_shape'], ['patch_seq']),
        helper.make_node('Transpose', ['patch_seq'], ['last_hidden_state'], perm=[0, 2, 1]),
        helper.make_node('ReduceMean', ['last_hidden_state'], ['pooled'], axes=[1], keepdims=0),
        helper.make_node('MatMul', ['pooled', 'visual_projection'], ['image_embeds']),
    ]
    vision_graph = helper.make_graph(
        vision_nodes, 'tiny_clip_vision_with_projection',
        [float_io('pixel_values', ['batch_size', 3, px, px])],
        [float_io('image_embeds', ['batch_size', p]), float_io('last_hidden_state', ['batch_size', 16, h])],
        [tensor('patch_w', rand(h, 3, 4, 4, scale=0.2)), tensor('flat_shape', np.array([0, h, -1], dtype=np.int64)),
         tensor('visual_projection', rand(h, p))])
    save_model(vision_graph, os.path.join(folder, 'onnx', 'vision_model.onnx'))
    write_json(os.path.join(folder, 'config.json'), {
        'architectures': ['CLIPModel'], 'model_type': 'clip', 'projection_dim': p, 'logit_scale_init_value': 2.6592,
        'text_config': {'model_type': 'clip_text_model', 'vocab_size': v, 'hidden_size': h, 'num_hidden_layers': 1,
                        'num_attention_heads': 2, 'max_position_embeddings': 64, 'projection_dim': p},
        'vision_config': {'model_type': 'clip_vision_model', 'hidden_size': h, 'image_size': px, 'patch_size': 4,
                          'num_hidden_layers': 1, 'num_attention_heads': 2, 'projection_dim': p},
    })
    write_json(os.path.join(folder, 'preprocessor_config.json'), {
        'image_processor_type': 'CLIPImageProcessor', 'feature_extractor_type': 'CLIPFeatureExtractor',
        'do_resize': True, 'size': {'shortest_edge': px}, 'resample': 3, 'do_center_crop': True,
        'crop_size': {'height': px, 'width': px}, 'do_rescale': True, 'rescale_factor': 1 / 255,
        'do_normalize': True, 'image_mean': [0.48145466, 0.4578275, 0.40821073],
        'image_std': [0.26862954, 0.26130258, 0.27577711], 'do_convert_rgb': True,
    })
    write_json(os.path.join(folder, 'tokenizer.json'), bert_tokenizer(vocab, specials, '[CLS] $A [SEP]'))
    write_json(os.path.join(folder, 'tokenizer_config.json'), bert_tokenizer_config())
    return {
        'task': 'image-text-embedding', 'architecture': 'clip', 'dtype': 'fp32',
        'name': 'Tiny CLIP-style image–text model (test model standing for BiomedCLIP / PubMedCLIP)',
        'inputs': [
            {'name': 'input_ids', 'type': 'int64', 'shape': ['batch', 'sequence'], 'file': 'onnx/text_model.onnx'},
            {'name': 'attention_mask', 'type': 'int64', 'shape': ['batch', 'sequence'], 'file': 'onnx/text_model.onnx'},
            {'name': 'pixel_values', 'type': 'float32', 'shape': ['batch', 3, px, px], 'file': 'onnx/vision_model.onnx'},
        ],
        'outputs': [
            {'name': 'text_embeds', 'type': 'float32', 'shape': ['batch', p], 'file': 'onnx/text_model.onnx'},
            {'name': 'image_embeds', 'type': 'float32', 'shape': ['batch', p], 'file': 'onnx/vision_model.onnx'},
        ],
        'preprocessing': {'image': f'resize shortest edge to {px}, centre crop {px}x{px}, RGB, CLIP mean/std',
                          'tokenizer': 'WordPiece, lower-cased'},
    }


def gen_llm(folder):
    specials = ['<unk>', '<s>', '</s>', '<pad>', '<|user|>', '<|assistant|>']
    base = wordpiece_vocab([])
    vocab = {s: i for i, s in enumerate(specials)}
    for piece in base:
        vocab.setdefault(piece, len(vocab))
    v, h, heads, kv_heads, head_dim = len(vocab), 16, 2, 1, 8
    logits_bias = np.zeros(v, dtype=np.float32)
    logits_bias[[vocab[s] for s in ['<unk>', '<s>', '<pad>', '<|user|>', '<|assistant|>']]] = -20.0
    logits_bias[vocab['</s>']] = -1.0
    nodes = [
        helper.make_node('Gather', ['embed_tokens', 'input_ids'], ['tok']),
        helper.make_node('Gather', ['embed_positions', 'position_ids'], ['pos']),
        helper.make_node('Add', ['tok', 'pos'], ['x']),
        helper.make_node('MatMul', ['x', 'k_proj'], ['k']),
        helper.make_node('MatMul', ['x', 'v_proj'], ['v']),
        helper.make_node('Unsqueeze', ['k', 'axis_heads'], ['k4']),
        helper.make_node('Unsqueeze', ['v', 'axis_heads'], ['v4']),
        helper.make_node('Concat', ['past_key_values.0.key', 'k4'], ['present.0.key'], axis=2),
        helper.make_node('Concat', ['past_key_values.0.value', 'v4'], ['present.0.value'], axis=2),
        # Context: mean of all cached values (a stand-in for attention), mixed back into every position.
        helper.make_node('ReduceMean', ['present.0.value'], ['ctx'], axes=[1, 2], keepdims=0),
        helper.make_node('MatMul', ['ctx', 'o_proj'], ['ctx_h']),
        helper.make_node('Unsqueeze', ['ctx_h', 'axis_seq'], ['ctx_h3']),
        helper.make_node('Add', ['x', 'ctx_h3'], ['mixed']),
        helper.make_node('Tanh', ['mixed'], ['hidden']),
        helper.make_node('MatMul', ['hidden', 'lm_head'], ['logits_raw']),
        helper.make_node('Add', ['logits_raw', 'logits_bias'], ['logits']),
    ]
    inits = [
        tensor('embed_tokens', rand(v, h)), tensor('embed_positions', rand(256, h, scale=0.2)),
        tensor('k_proj', rand(h, head_dim)), tensor('v_proj', rand(h, head_dim)), tensor('o_proj', rand(head_dim, h)),
        tensor('lm_head', rand(h, v, scale=2.0)), tensor('logits_bias', logits_bias),
        tensor('axis_heads', np.array([1], dtype=np.int64)), tensor('axis_seq', np.array([1], dtype=np.int64)),
    ]
    kv = ['batch_size', kv_heads, 'past_sequence_length', head_dim]
    kv_out = ['batch_size', kv_heads, 'total_sequence_length', head_dim]
    graph = helper.make_graph(
        nodes, 'tiny_llama_causal_lm',
        [int_input('input_ids', ['batch_size', 'sequence_length']),
         int_input('attention_mask', ['batch_size', 'total_sequence_length']),
         int_input('position_ids', ['batch_size', 'sequence_length']),
         float_io('past_key_values.0.key', kv), float_io('past_key_values.0.value', kv)],
        [float_io('logits', ['batch_size', 'sequence_length', v]),
         float_io('present.0.key', kv_out), float_io('present.0.value', kv_out)], inits)
    save_model(graph, os.path.join(folder, 'onnx', 'model.onnx'))
    write_json(os.path.join(folder, 'config.json'), {
        'architectures': ['LlamaForCausalLM'], 'model_type': 'llama', 'vocab_size': v, 'hidden_size': h,
        'intermediate_size': 32, 'num_hidden_layers': 1, 'num_attention_heads': heads, 'num_key_value_heads': kv_heads,
        'head_dim': head_dim, 'max_position_embeddings': 256, 'bos_token_id': vocab['<s>'],
        'eos_token_id': vocab['</s>'], 'pad_token_id': vocab['<pad>'], 'tie_word_embeddings': False, 'use_cache': True,
    })
    write_json(os.path.join(folder, 'generation_config.json'), {
        'bos_token_id': vocab['<s>'], 'eos_token_id': vocab['</s>'], 'pad_token_id': vocab['<pad>'],
        'do_sample': False, 'max_new_tokens': 16,
    })
    tok = bert_tokenizer(vocab, specials, '<s> $A')
    tok['model']['unk_token'] = '<unk>'
    write_json(os.path.join(folder, 'tokenizer.json'), tok)
    write_json(os.path.join(folder, 'tokenizer_config.json'), {
        'tokenizer_class': 'PreTrainedTokenizerFast', 'model_max_length': 256, 'bos_token': '<s>', 'eos_token': '</s>',
        'unk_token': '<unk>', 'pad_token': '<pad>', 'add_bos_token': False, 'clean_up_tokenization_spaces': True,
        'chat_template': (
            "{% for message in messages %}{% if message['role'] == 'user' %}<|user|> {{ message['content'] }} "
            "{% else %}<|assistant|> {{ message['content'] }} </s> {% endif %}{% endfor %}"
            "{% if add_generation_prompt %}<|assistant|>{% endif %}"
        ),
    })
    return {
        'task': 'text-generation', 'architecture': 'llama', 'dtype': 'fp32',
        'name': 'Tiny Llama-style causal LM with KV cache (test model standing for a small instruction LLM)',
        'inputs': [
            {'name': 'input_ids', 'type': 'int64', 'shape': ['batch', 'sequence']},
            {'name': 'attention_mask', 'type': 'int64', 'shape': ['batch', 'total_sequence']},
            {'name': 'position_ids', 'type': 'int64', 'shape': ['batch', 'sequence']},
            {'name': 'past_key_values.0.key', 'type': 'float32', 'shape': ['batch', kv_heads, 'past', head_dim]},
            {'name': 'past_key_values.0.value', 'type': 'float32', 'shape': ['batch', kv_heads, 'past', head_dim]},
        ],
        'outputs': [
            {'name': 'logits', 'type': 'float32', 'shape': ['batch', 'sequence', v]},
            {'name': 'present.0.key', 'type': 'float32', 'shape': ['batch', kv_heads, 'total', head_dim]},
            {'name': 'present.0.value', 'type': 'float32', 'shape': ['batch', kv_heads, 'total', head_dim]},
        ],
        'preprocessing': {'tokenizer': 'WordPiece with chat template', 'chatTemplate': True},
    }


def gen_marian(folder):
    specials = ['<pad>', '</s>', '<unk>']
    tok, v = unigram_tokenizer(specials)
    d, heads = 16, 2
    head_dim = d // heads
    final_bias = np.zeros((1, v), dtype=np.float32)
    final_bias[0, specials.index('<unk>')] = -20.0
    emb = rand(v, d)
    # Encoder: embeddings → one dense layer.
    enc_nodes = [
        helper.make_node('Gather', ['shared', 'input_ids'], ['e']),
        helper.make_node('MatMul', ['e', 'enc_w'], ['e2']),
        helper.make_node('Tanh', ['e2'], ['last_hidden_state']),
    ]
    enc_graph = helper.make_graph(
        enc_nodes, 'tiny_marian_encoder',
        [int_input('input_ids', ['batch_size', 'encoder_sequence_length']),
         int_input('attention_mask', ['batch_size', 'encoder_sequence_length'])],
        [float_io('last_hidden_state', ['batch_size', 'encoder_sequence_length', d])],
        [tensor('shared', emb), tensor('enc_w', rand(d, d))])
    save_model(enc_graph, os.path.join(folder, 'onnx', 'encoder_model.onnx'))

    def heads_of(src, w, out):
        return [
            helper.make_node('MatMul', [src, w], [out + '_flat']),
            helper.make_node('Reshape', [out + '_flat', 'heads_shape'], [out + '_split']),
            helper.make_node('Transpose', [out + '_split'], [out], perm=[0, 2, 1, 3]),
        ]

    mean_nodes, mean_inits = masked_mean('em', 'encoder_hidden_states', 'encoder_attention_mask', 'enc_ctx')
    dec_nodes = [helper.make_node('Gather', ['shared', 'input_ids'], ['de'])]
    dec_nodes += heads_of('de', 'dk_w', 'dk') + heads_of('de', 'dv_w', 'dv')
    dec_nodes += heads_of('encoder_hidden_states', 'ek_w', 'present.0.encoder.key')
    dec_nodes += heads_of('encoder_hidden_states', 'ev_w', 'present.0.encoder.value')
    dec_nodes += [
        helper.make_node('Concat', ['past_key_values.0.decoder.key', 'dk'], ['present.0.decoder.key'], axis=2),
        helper.make_node('Concat', ['past_key_values.0.decoder.value', 'dv'], ['present.0.decoder.value'], axis=2),
        helper.make_node('ReduceMean', ['present.0.decoder.value'], ['self_ctx4'], axes=[1, 2], keepdims=0),
    ] + mean_nodes + [
        helper.make_node('MatMul', ['enc_ctx', 'cross_w'], ['cross']),
        helper.make_node('Unsqueeze', ['cross', 'axis_seq'], ['cross3']),
        helper.make_node('MatMul', ['self_ctx4', 'self_w'], ['selfc']),
        helper.make_node('Unsqueeze', ['selfc', 'axis_seq'], ['selfc3']),
        helper.make_node('Add', ['de', 'cross3'], ['m1']),
        helper.make_node('Add', ['m1', 'selfc3'], ['m2']),
        helper.make_node('Tanh', ['m2'], ['hidden']),
        helper.make_node('MatMul', ['hidden', 'shared_t'], ['logits_raw']),
        helper.make_node('Add', ['logits_raw', 'final_logits_bias'], ['logits']),
    ]
    dec_kv = ['batch_size', heads, 'past_decoder_sequence_length', head_dim]
    enc_kv = ['batch_size', heads, 'encoder_sequence_length_out', head_dim]
    dec_graph = helper.make_graph(
        dec_nodes, 'tiny_marian_decoder_merged',
        [int_input('encoder_attention_mask', ['batch_size', 'encoder_sequence_length']),
         int_input('input_ids', ['batch_size', 'decoder_sequence_length']),
         float_io('encoder_hidden_states', ['batch_size', 'encoder_sequence_length', d]),
         float_io('past_key_values.0.decoder.key', dec_kv), float_io('past_key_values.0.decoder.value', dec_kv),
         float_io('past_key_values.0.encoder.key', enc_kv), float_io('past_key_values.0.encoder.value', enc_kv),
         helper.make_tensor_value_info('use_cache_branch', TensorProto.BOOL, [1])],
        [float_io('logits', ['batch_size', 'decoder_sequence_length', v]),
         float_io('present.0.decoder.key', ['batch_size', heads, 'total', head_dim]),
         float_io('present.0.decoder.value', ['batch_size', heads, 'total', head_dim]),
         float_io('present.0.encoder.key', ['batch_size', heads, 'encoder_sequence_length', head_dim]),
         float_io('present.0.encoder.value', ['batch_size', heads, 'encoder_sequence_length', head_dim])],
        [tensor('shared', emb), tensor('shared_t', (emb.T * 2.0).astype(np.float32)),
         tensor('dk_w', rand(d, d)), tensor('dv_w', rand(d, d)), tensor('ek_w', rand(d, d)), tensor('ev_w', rand(d, d)),
         tensor('cross_w', rand(d, d)), tensor('self_w', rand(head_dim, d)), tensor('final_logits_bias', final_bias),
         tensor('heads_shape', np.array([0, -1, heads, head_dim], dtype=np.int64)),
         tensor('axis_seq', np.array([1], dtype=np.int64))] + mean_inits)
    save_model(dec_graph, os.path.join(folder, 'onnx', 'decoder_model_merged.onnx'))
    pad, eos = specials.index('<pad>'), specials.index('</s>')
    write_json(os.path.join(folder, 'config.json'), {
        'architectures': ['MarianMTModel'], 'model_type': 'marian', 'vocab_size': v, 'd_model': d,
        'encoder_layers': 1, 'decoder_layers': 1, 'encoder_attention_heads': heads, 'decoder_attention_heads': heads,
        'encoder_ffn_dim': 32, 'decoder_ffn_dim': 32, 'max_position_embeddings': 64, 'is_encoder_decoder': True,
        'pad_token_id': pad, 'eos_token_id': eos, 'decoder_start_token_id': pad, 'forced_eos_token_id': eos,
        'bad_words_ids': [[pad]], 'max_length': 24, 'num_beams': 1, 'scale_embedding': True, 'share_encoder_decoder_embeddings': True,
    })
    write_json(os.path.join(folder, 'generation_config.json'), {
        'bad_words_ids': [[pad]], 'bos_token_id': 0, 'decoder_start_token_id': pad, 'eos_token_id': eos,
        'forced_eos_token_id': eos, 'max_length': 24, 'num_beams': 1, 'pad_token_id': pad,
    })
    write_json(os.path.join(folder, 'tokenizer.json'), tok)
    write_json(os.path.join(folder, 'tokenizer_config.json'), {
        'tokenizer_class': 'MarianTokenizer', 'source_lang': 'es', 'target_lang': 'en', 'model_max_length': 64,
        'eos_token': '</s>', 'unk_token': '<unk>', 'pad_token': '<pad>', 'separate_vocabs': False,
    })
    return {
        'task': 'translation', 'architecture': 'marian', 'dtype': 'fp32',
        'name': 'Tiny Marian es→en translation model (test model standing for OPUS-MT es-en)',
        'inputs': [
            {'name': 'input_ids', 'type': 'int64', 'shape': ['batch', 'sequence'], 'file': 'onnx/encoder_model.onnx'},
            {'name': 'attention_mask', 'type': 'int64', 'shape': ['batch', 'sequence'], 'file': 'onnx/encoder_model.onnx'},
        ],
        'outputs': [{'name': 'logits', 'type': 'float32', 'shape': ['batch', 'sequence', v],
                     'file': 'onnx/decoder_model_merged.onnx'}],
        'preprocessing': {'tokenizer': 'SentencePiece Unigram (tokenizer.json)', 'sourceLanguage': 'es',
                          'targetLanguage': 'en'},
    }


MODELS = {
    'test-ner': gen_ner,
    'test-text-embed': gen_text_embed,
    'test-clip': gen_clip,
    'test-llm': gen_llm,
    'test-opus-mt-es-en': gen_marian,
}


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def prettier(path):
    subprocess.run([os.path.join(ROOT, 'node_modules', '.bin', 'prettier'), '--log-level', 'warn', '--write', path],
                   check=True, cwd=ROOT)


def main():
    for model_id, gen in MODELS.items():
        folder = os.path.join(OUT, model_id)
        shutil.rmtree(folder, ignore_errors=True)
        spec = gen(folder)
        prettier(folder)
        files = sorted(
            os.path.relpath(os.path.join(d, f), folder).replace(os.sep, '/')
            for d, _, fs in os.walk(folder) for f in fs
        )
        manifest = {
            'schema': 1,
            'id': model_id,
            'name': spec.pop('name'),
            'task': spec.pop('task'),
            'architecture': spec.pop('architecture'),
            'folder': model_id,
            'dtype': spec.pop('dtype'),
            'files': [{'path': f, 'sha256': sha256(os.path.join(folder, f)),
                       'bytes': os.path.getsize(os.path.join(folder, f))} for f in files],
            **spec,
            'licence': {'spdx': 'CC0-1.0', 'note': 'Random weights generated by scripts/gen-test-models.py.'},
            'source': {'obtain': 'Generated: /usr/bin/python3 scripts/gen-test-models.py', 'homepage': None},
        }
        write_json(os.path.join(folder, 'medprep.json'), manifest)
        prettier(os.path.join(folder, 'medprep.json'))
        total = sum(f['bytes'] for f in manifest['files'])
        print(f'{model_id}: {len(files)} files, {total / 1024:.1f} KiB')


if __name__ == '__main__':
    main()
